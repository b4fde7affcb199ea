"""API pagination: off-by-one on the last page."""
import sys


def page_bounds(items, page, size):
    start = page * size
    return items[start], items[start + size - 1]


def list_orders(page):
    items = [f"ord_{n}" for n in range(23)]
    first, last = page_bounds(items, page, 10)
    return first, last


if __name__ == "__main__":
    print(list_orders(int(sys.argv[1])))
