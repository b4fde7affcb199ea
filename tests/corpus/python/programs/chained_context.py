"""Inventory: fallback warehouse lookup fails while handling the first miss."""
import sys

STOCK = {"berlin": {"SKU-1001": 4}, "paris": {}}


def reserve(warehouse, sku, qty):
    available = STOCK[warehouse][sku]
    if available < qty:
        raise ValueError(f"only {available} of {sku} left in {warehouse}")
    STOCK[warehouse][sku] -= qty


def reserve_anywhere(sku, qty):
    try:
        reserve("paris", sku, qty)
    except KeyError:
        reserve("berlin", "SKU-1001", qty)


if __name__ == "__main__":
    print(f"reserving for order {sys.argv[1]}")
    reserve_anywhere("SKU-1001", int(sys.argv[2]))
