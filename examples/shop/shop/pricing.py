"""Coupons and discounts."""

import datetime

from .errors import ShopError

COUPONS = {
    "WELCOME10": {"percent": 10, "min_subtotal": 0, "expires": datetime.date(2099, 12, 31)},
    "BULK15": {"percent": 15, "min_subtotal": 10000, "expires": datetime.date(2099, 12, 31)},
    "SUMMER25": {"percent": 25, "min_subtotal": 0, "expires": datetime.date(2025, 9, 30)},
}


class CouponError(ShopError):
    pass


def coupon_discount(code, subtotal, today):
    """The discount in cents that coupon `code` (any case) gives on
    `subtotal`. Raises CouponError when the code is unknown, has expired,
    or the subtotal is below the coupon's minimum."""
    coupon = COUPONS.get(code.upper())
    if coupon["expires"] < today:
        raise CouponError(f"coupon {code} expired on {coupon['expires']}")
    if subtotal < coupon["min_subtotal"]:
        raise CouponError(f"coupon {code} needs a subtotal of {coupon['min_subtotal']} cents")
    return subtotal * coupon["percent"] // 100
