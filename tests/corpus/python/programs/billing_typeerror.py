"""Billing: Decimal subtotal mixed with a float tax."""
import sys
from decimal import Decimal


def subtotal(items):
    return sum((Decimal(i["price"]) * i["qty"] for i in items), Decimal(0))


def tax(amount):
    return float(amount) * 0.2


def invoice_total(items):
    return subtotal(items) + tax(subtotal(items))


def main(argv):
    invoice = int(argv[1])
    items = [{"price": "19.99", "qty": 2}, {"price": "3.50", "qty": 1}]
    print(f"building invoice INV-{invoice}")
    print(invoice_total(items))


if __name__ == "__main__":
    main(sys.argv)
