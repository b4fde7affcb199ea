"""Charge handler missing a colon (run directly)."""


def charge(order)
    return order["amount"]


charge({"amount": 5})
