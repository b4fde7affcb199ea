"""Orders service: shipping quote (same KeyError type, different function)."""
import sys

RATES = {"US": 5, "CA": 9, "DE": 12, "FR": 12}


def shipping_rate(country):
    return RATES[country]


def quote(order):
    return order["subtotal"] + shipping_rate(order["country"])


def main(argv):
    order = {"id": int(argv[1]), "subtotal": 42, "country": argv[2]}
    print(f"quoting order {order['id']}")
    print(quote(order))


if __name__ == "__main__":
    main(sys.argv)
