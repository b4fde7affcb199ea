"""Placing orders: lines, coupon, shipping and total."""

import itertools
import logging

from . import catalog, pricing
from .errors import NotFound, ShopError

log = logging.getLogger(__name__)

SHIPPING_RATES = {"standard": 495, "express": 1290}
FREE_STANDARD_FROM = 5000

ORDERS = {}
_ids = itertools.count(1001)


class OrderError(ShopError):
    pass


def shipping_cost(payload, subtotal):
    """Shipping in cents. The payload's "shipping" method is optional and
    defaults to "standard", which is free from FREE_STANDARD_FROM; an
    unknown method is an OrderError."""
    method = payload["shipping"]
    if method not in SHIPPING_RATES:
        raise OrderError(f"unknown shipping method {method!r}")
    if method == "standard" and subtotal >= FREE_STANDARD_FROM:
        return 0
    return SHIPPING_RATES[method]


def order_lines(items):
    if not isinstance(items, list) or not items:
        raise OrderError("an order needs at least one item")
    lines = []
    for item in items:
        product = catalog.get_product(item.get("sku"))
        qty = item.get("qty", 1)
        if not isinstance(qty, int) or qty < 1:
            raise OrderError(f"bad quantity {qty!r} for {item['sku']}")
        if qty > product["stock"]:
            raise OrderError(f"only {product['stock']} of {item['sku']} left")
        lines.append({"sku": item["sku"], "qty": qty, "amount": product["price"] * qty})
    return lines


def place_order(payload, today):
    """Price and record the order in `payload` (items, and optionally a
    coupon code and a shipping method); returns the stored order."""
    lines = order_lines(payload.get("items"))
    subtotal = sum(line["amount"] for line in lines)
    discount = 0
    if payload.get("coupon"):
        discount = pricing.coupon_discount(payload["coupon"], subtotal, today)
    shipping = shipping_cost(payload, subtotal - discount)
    order = {
        "id": next(_ids),
        "lines": lines,
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping,
        "total": subtotal - discount + shipping,
    }
    ORDERS[order["id"]] = order
    log.info("order %d placed: total %d cents", order["id"], order["total"])
    return order


def get_order(order_id):
    try:
        return ORDERS[order_id]
    except KeyError:
        raise NotFound(f"no order {order_id}") from None
