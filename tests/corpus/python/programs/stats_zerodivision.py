"""Reporting job: average order value of an empty day."""
import sys


def average(values):
    return sum(values) / len(values)


def daily_stats(orders):
    amounts = [o["amount"] for o in orders if o["status"] == "paid"]
    return {"count": len(amounts), "avg": average(amounts)}


def report(day):
    orders = [{"amount": 10, "status": "refunded"}]
    print(f"report for {day}")
    return daily_stats(orders)


if __name__ == "__main__":
    report(sys.argv[1])
