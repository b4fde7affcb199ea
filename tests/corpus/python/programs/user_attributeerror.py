"""Notifications: customer without a profile."""
import sys


class Customer:
    def __init__(self, customer_id, profile=None):
        self.id = customer_id
        self.profile = profile


def notification_address(customer):
    return customer.profile.email.lower()


def send_receipt(customer, order_id):
    to = notification_address(customer)
    print(f"sending receipt for {order_id} to {to}")


if __name__ == "__main__":
    send_receipt(Customer(int(sys.argv[1])), int(sys.argv[2]))
