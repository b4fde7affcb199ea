"""An assertion whose message is a ~20 KB repr."""
import sys


def check_ledger(expected, actual):
    assert expected == actual, f"ledger mismatch for account {sys.argv[1]}: expected {expected!r}, got {actual!r}"


if __name__ == "__main__":
    expected = [{"entry": n, "amount": n * 3} for n in range(350)]
    actual = expected[:-1] + [{"entry": 349, "amount": 0}]
    check_ledger(expected, actual)
