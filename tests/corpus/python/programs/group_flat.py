"""Flat ExceptionGroup from validating a batch of orders."""
import sys


def validate(order):
    if order["qty"] <= 0:
        raise ValueError(f"order {order['id']}: qty must be positive, got {order['qty']}")
    if order["sku"] is None:
        raise KeyError("sku")
    if not isinstance(order["price"], (int, float)):
        raise TypeError(f"order {order['id']}: price must be a number")


def validate_batch(orders):
    errors = []
    for order in orders:
        try:
            validate(order)
        except Exception as e:
            errors.append(e)
    if errors:
        raise ExceptionGroup(f"batch {sys.argv[1]} failed validation", errors)


if __name__ == "__main__":
    validate_batch([
        {"id": 1, "qty": 0, "sku": "A", "price": 1},
        {"id": 2, "qty": 1, "sku": None, "price": 1},
        {"id": 3, "qty": 1, "sku": "C", "price": "9.99"},
    ])
