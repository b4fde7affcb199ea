"""logging with stack_info=True: 'Stack (most recent call last):' and no exception."""
import logging
import sys

logging.basicConfig(format="%(levelname)s:%(name)s:%(message)s")
log = logging.getLogger("app.cache")


def rebuild(key):
    log.error("cache stampede on key %s: rebuilding synchronously", key, stack_info=True)


def get(key):
    return rebuild(key)


if __name__ == "__main__":
    get(f"user:{sys.argv[1]}:profile")
