"""Frames from a lambda inside a list comprehension inside a generator expression."""
import sys

PARSERS = {"qty": lambda v: int(v), "price": lambda v: float(v)}


def parse(rows):
    return [{k: PARSERS[k](v) for k, v in row.items()} for row in rows]


def total_qty(rows):
    return sum(r["qty"] for r in parse(rows))


def batch_total(rows):
    return sum(x for x in (total_qty([r]) for r in rows))


if __name__ == "__main__":
    batch_total([{"qty": "2", "price": "1.5"}, {"qty": "n/a-" + sys.argv[1], "price": "2"}])
