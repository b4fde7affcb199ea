"""The HTTP service: JSON in, JSON out.

    GET  /health
    GET  /products
    GET  /products/<sku>
    POST /orders         {"items": [{"sku": "mug", "qty": 2}],
                          "coupon": "WELCOME10", "shipping": "express"}
                         (coupon and shipping optional)
    GET  /orders/<id>

Run it with `python3 -m shop.app --port 8080 --log-file logs/shop.log`.
"""

import argparse
import datetime
import json
import logging
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import catalog, orders
from .errors import NotFound, ShopError

log = logging.getLogger("shop.app")
access_log = logging.getLogger("shop.access")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def health(match, body):
    return 200, {"status": "ok"}


def list_products(match, body):
    return 200, {"products": [catalog.summary(sku) for sku in catalog.PRODUCTS]}


def show_product(match, body):
    return 200, catalog.product_page(match["sku"])


def create_order(match, body):
    if not isinstance(body, dict):
        raise ShopError("the order must be a JSON object")
    return 201, orders.place_order(body, datetime.date.today())


def show_order(match, body):
    return 200, orders.get_order(int(match["id"]))


ROUTES = [
    ("GET", re.compile(r"/health"), health),
    ("GET", re.compile(r"/products"), list_products),
    ("GET", re.compile(r"/products/(?P<sku>[\w-]+)"), show_product),
    ("POST", re.compile(r"/orders"), create_order),
    ("GET", re.compile(r"/orders/(?P<id>\d+)"), show_order),
]


class Handler(BaseHTTPRequestHandler):
    server_version = "shop/1.0"

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        try:
            status, payload = self.route()
        except ShopError as e:
            log.warning("%s %s refused: %s", self.command, self.path, e)
            status, payload = e.status, {"error": str(e)}
        except Exception:
            log.exception("unhandled error on %s %s", self.command, self.path)
            status, payload = 500, {"error": "internal server error"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self):
        path = self.path.split("?", 1)[0]
        for method, pattern, view in ROUTES:
            match = pattern.fullmatch(path)
            if match and method == self.command:
                return view(match, self.read_body())
        raise NotFound(f"no route for {self.command} {path}")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        try:
            return json.loads(self.rfile.read(length))
        except ValueError:
            raise ShopError("the body is not valid JSON") from None

    def log_request(self, code="-", size="-"):
        access_log.info('"%s" %s', self.requestline, code)

    def log_message(self, format, *args):
        access_log.warning(format, *args)


def make_server(host="127.0.0.1", port=0):
    return ThreadingHTTPServer((host, port), Handler)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--log-file", help="append the log here (default: standard error)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, filename=args.log_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = make_server(args.host, args.port)
    log.info("shop started")
    # The port goes to standard output (for scripts that start us on port 0).
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        log.info("shop stopped")


if __name__ == "__main__":
    main()
