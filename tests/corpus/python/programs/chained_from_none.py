"""Currency conversion: KeyError hidden with `raise ... from None`."""
import sys

RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.86}


def rate(code):
    try:
        return RATES[code]
    except KeyError:
        raise LookupError(f"unknown currency {code!r} for account {sys.argv[2]}") from None


def convert(amount, code):
    return amount * rate(code)


if __name__ == "__main__":
    convert(100, sys.argv[1])
