"""A bare assert: AssertionError with no message (no colon)."""
import sys


def reconcile(ledger):
    assert sum(ledger) == 0


if __name__ == "__main__":
    reconcile([100, -40, -50, int(sys.argv[1])])
