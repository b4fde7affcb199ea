"""ExceptionGroup with more than 15 sub-exceptions ("and N more exceptions")."""
import sys


def send(n):
    raise ConnectionRefusedError(111, f"Connection refused (shard {n})")


def broadcast(shards):
    errors = []
    for n in range(shards):
        try:
            send(n)
        except OSError as e:
            errors.append(e)
    raise ExceptionGroup(f"broadcast of event {sys.argv[1]} failed on {len(errors)} shards", errors)


if __name__ == "__main__":
    broadcast(21)
