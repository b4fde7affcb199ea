"""Invoice totals: a binary expression spread over several lines."""
import sys


def totals(invoice):
    return (invoice["subtotal"]
            + invoice["shipping"]
            + invoice["tax"])


if __name__ == "__main__":
    invoice = {"id": int(sys.argv[1]), "subtotal": 40, "shipping": None, "tax": 8}
    print(f"totalling invoice {invoice['id']}")
    print(totals(invoice))
