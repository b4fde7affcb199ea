"""BaseExceptionGroup: one worker interrupted, one failed."""
import sys


def collect(results):
    errors = []
    for r in results:
        if isinstance(r, BaseException):
            errors.append(r)
    if errors:
        raise BaseExceptionGroup(f"shutdown of pool {sys.argv[1]} was not clean", errors)


if __name__ == "__main__":
    collect([1, KeyboardInterrupt(), ValueError("worker 3 returned bad checksum")])
