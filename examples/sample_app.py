# Produces examples/sample.log: run from /srv/shop as `python3 app/shop.py > sample.log 2>&1`.
import json, logging, sys

logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO, stream=sys.stdout)
log = logging.getLogger("shop.orders")
PRICES = {"sku-1": 1299, "sku-2": 499}

def price_of(item):
    return PRICES[item["sku"]] * item["qty"]

def charge(order):
    return sum(price_of(i) for i in order["items"])

def load_config(raw):
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise RuntimeError("config is not valid JSON") from e

for n, order in enumerate([{"items": [{"sku": "sku-1", "qty": 1}]}, {"items": [{"sku": "sku-9", "qty": 2}]}, {"items": [{"sku": "sku-2", "qty": None}]}, {"items": [{"sku": "sku-7", "qty": 1}]}]):
    log.info("charging order %d", 1000 + n)
    try:
        log.info("order %d charged %d cents", 1000 + n, charge(order))
    except Exception:
        log.exception("failed to charge order %d", 1000 + n)
try:
    load_config("{'bad': json}")
except Exception:
    log.exception("could not start worker 7")
log.info("shutting down")
