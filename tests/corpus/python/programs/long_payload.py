"""A ~40 KB single-line message (for docker/CRI line splitting)."""
import json
import sys


def validate_payload(payload):
    raise ValueError(f"payload rejected by schema: {json.dumps(payload, sort_keys=True)}")


if __name__ == "__main__":
    rows = [{"id": n, "sku": f"SKU-{n:05d}", "qty": n % 7, "note": "x" * 20} for n in range(560)]
    validate_payload({"batch": sys.argv[1], "rows": rows})
