"""Webhook body parsing: json.loads on truncated input (stdlib frames)."""
import json
import sys


def parse_body(body):
    return json.loads(body)


def handle(event_id, body):
    payload = parse_body(body)
    return payload["type"]


if __name__ == "__main__":
    handle(sys.argv[1], '{"type": "order.paid", "id": ' + sys.argv[1] + ', "amount": 12')
