"""An exception with several args prints as a tuple."""
import sys


def lookup(menu):
    raise Exception("spam", "eggs")


if __name__ == "__main__":
    print(f"menu {sys.argv[1]}")
    lookup({})
