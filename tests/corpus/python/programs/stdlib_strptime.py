"""Date parsing: datetime.strptime with a bad month (frames in _strptime.py)."""
import sys
from datetime import datetime


def parse_date(raw):
    return datetime.strptime(raw, "%Y-%m-%d")


def schedule(order_id, raw):
    return {"order": order_id, "ship_on": parse_date(raw)}


if __name__ == "__main__":
    schedule(int(sys.argv[1]), "2026-13-01")
