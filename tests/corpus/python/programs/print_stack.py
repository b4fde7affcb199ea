"""traceback.print_stack(): a bare stack dump (File lines only, no header)."""
import sys
import traceback


def slow_query(sql):
    print(f"slow query detected ({sys.argv[1]} ms): {sql}")
    sys.stdout.flush()
    traceback.print_stack()


def list_orders(customer_id):
    slow_query(f"SELECT * FROM orders WHERE customer_id = {customer_id}")


if __name__ == "__main__":
    list_orders(4242)
