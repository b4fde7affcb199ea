"""Webhooks: delivery rejected; message full of ids, emails, urls, timestamps."""
import sys


def deliver(delivery_id, customer_id, email, url, ts, attempt):
    raise ValueError(
        f"webhook delivery {delivery_id} for customer {customer_id} <{email}> "
        f"rejected by {url}?id={customer_id}&sig=9f86d081 at {ts} "
        f"(attempt {attempt}/5, status=410)"
    )


def retry_deliveries(queue):
    for item in queue:
        deliver(**item)


if __name__ == "__main__":
    delivery_id, customer_id = sys.argv[1], int(sys.argv[2])
    retry_deliveries([{
        "delivery_id": delivery_id,
        "customer_id": customer_id,
        "email": "jane.doe+orders@example.com",
        "url": "https://hooks.example.com/v1/orders",
        "ts": sys.argv[3],
        "attempt": 3,
    }])
