"""Billing rules (contains a syntax error: missing comma)."""

RULES = {
    "vat": 0.20,
    "reduced_vat": 0.055
    "gst": 0.10,
}
