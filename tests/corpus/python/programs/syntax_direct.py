"""Report script with an unclosed parenthesis (run directly)."""


def report(orders):
    total = sum(o["amount"] for o in orders
    print("total", total)
    return total


report([{"amount": 3}])
