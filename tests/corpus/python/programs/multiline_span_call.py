"""Checkout: coupon lookup inside a call spanning several lines (3.13 spans)."""
import sys

DISCOUNTS = {"WELCOME10": 10, "SPRING5": 5}


def apply_discount(total, code):
    return total - DISCOUNTS[code]


def checkout(cart):
    return apply_discount(
        sum(item["price"] * item["qty"] for item in cart["items"]),
        cart["coupon"],
    )


if __name__ == "__main__":
    cart = {"items": [{"price": 25, "qty": 2}], "coupon": sys.argv[1]}
    print(checkout(cart))
