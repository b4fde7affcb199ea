"""Order insert through a DB driver in site-packages: multi-line driver message."""
import sys

import fakedb


def save_order(conn, order_id):
    cur = conn.cursor()
    cur.execute("INSERT INTO orders VALUES (%s, %s)", (order_id, "new"))


if __name__ == "__main__":
    conn = fakedb.connect("postgresql://orders@db-1.internal/orders")
    order_id = int(sys.argv[1])
    save_order(conn, order_id)
    print(f"saved order {order_id}")
    save_order(conn, order_id)
