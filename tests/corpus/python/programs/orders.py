"""Orders service: price an order and charge it."""
import sys
from decimal import Decimal

PRICES = {
    "SKU-1001": Decimal("19.99"),
    "SKU-1002": Decimal("5.49"),
    "SKU-2040": Decimal("120.00"),
}


def line_total(line):
    unit = PRICES[line["sku"]]
    return unit * line["qty"]


def order_total(order):
    total = Decimal("0")
    for line in order["lines"]:
        total += line_total(line)
    return total


def charge(order):
    amount = order_total(order)
    print(f"charging order {order['id']} amount={amount}")
    return amount


def main(argv):
    order_id, request_id, sku = int(argv[1]), argv[2], argv[3]
    print(f"[{request_id}] processing order {order_id}")
    order = {
        "id": order_id,
        "lines": [{"sku": "SKU-1001", "qty": 2}, {"sku": sku, "qty": 1}],
    }
    charge(order)


if __name__ == "__main__":
    main(sys.argv)
