"""Start the shop service, send it a fixed mix of requests, stop it.

    python3 run_traffic.py [LOG_FILE]     (default: logs/shop.log)

The service runs as its own process on a free loopback port and writes its
log to LOG_FILE (emptied first). Most requests succeed or are refused with
a 4xx; some hit the bugs and are answered 500, with the traceback logged.
The log is the same on every run apart from timestamps (and the checkout's
path in the tracebacks).
"""

import collections
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

GOOD = [
    ("GET", "/health", None),
    ("GET", "/products", None),
    ("GET", "/products/mug", None),
    ("POST", "/orders", {"items": [{"sku": "mug", "qty": 2}], "shipping": "standard"}),
    ("GET", "/products/grinder", None),
    ("POST", "/orders", {"items": [{"sku": "grinder"}], "coupon": "welcome10", "shipping": "express"}),
    ("GET", "/orders/1001", None),
    ("GET", "/products/teapot", None),                               # 404
    ("POST", "/orders", {"items": [{"sku": "kettle"}], "shipping": "standard"}),  # 400: sold out
    ("POST", "/orders", {"items": [{"sku": "mug"}], "coupon": "SUMMER25", "shipping": "standard"}),  # 400: expired
    ("GET", "/products/filters", None),
    ("POST", "/orders", {"items": [{"sku": "filters", "qty": 3}], "shipping": "drone"}),  # 400
]

# Each reaches one bug.
BUGGY = [
    ("POST", "/orders", {"items": [{"sku": "filters", "qty": 2}]}),   # no "shipping": KeyError
    ("POST", "/orders", {"items": [{"sku": "mug"}], "coupon": "FREESHIP", "shipping": "standard"}),  # TypeError
    ("GET", "/products/kettle", None),                                 # only spam reviews: ZeroDivisionError
]


def request(base, method, path, body):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    log_file = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "logs", "shop.log"))
    os.makedirs(os.path.dirname(log_file), exist_ok=True)
    open(log_file, "w").close()
    service = subprocess.Popen(
        [sys.executable, "-m", "shop.app", "--port", "0", "--log-file", log_file],
        cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        base = service.stdout.readline().split()[-1]
        statuses = collections.Counter()
        for round_ in range(3):
            for i, (method, path, body) in enumerate(GOOD):
                statuses[request(base, method, path, body)] += 1
                if i % 4 == 3:
                    method, path, body = BUGGY[(i // 4 + round_) % len(BUGGY)]
                    statuses[request(base, method, path, body)] += 1
    finally:
        service.terminate()
        service.wait(timeout=10)
    print(f"{sum(statuses.values())} requests ({', '.join(f'{n} x {s}' for s, n in sorted(statuses.items()))}); log in {log_file}")


if __name__ == "__main__":
    main()
