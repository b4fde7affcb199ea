"""Payments: parse error re-raised as a domain error with `raise ... from e`."""
import sys


class PaymentError(Exception):
    pass


def parse_amount(raw):
    return int(raw)


def load_invoice(invoice_id, raw_amount):
    try:
        return {"id": invoice_id, "amount": parse_amount(raw_amount)}
    except ValueError as e:
        raise PaymentError(f"cannot parse amount for invoice INV-{invoice_id}") from e


if __name__ == "__main__":
    load_invoice(int(sys.argv[1]), "12.5O")
