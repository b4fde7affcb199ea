"""Nested ExceptionGroup: per-warehouse groups inside a sync group."""
import sys


def sync_item(warehouse, sku):
    if warehouse == "paris":
        raise ConnectionError(f"{warehouse}: connection reset while syncing {sku}")
    raise TimeoutError(f"{warehouse}: no reply for {sku} after 30s")


def sync_warehouse(warehouse, skus):
    errors = []
    for sku in skus:
        try:
            sync_item(warehouse, sku)
        except OSError as e:
            errors.append(e)
    if errors:
        raise ExceptionGroup(f"warehouse {warehouse} sync failed", errors)


def sync_all(run_id):
    errors = []
    for wh in ("paris", "berlin"):
        try:
            sync_warehouse(wh, ["SKU-1001", "SKU-1002"])
        except ExceptionGroup as eg:
            errors.append(eg)
    raise ExceptionGroup(f"inventory sync run {run_id} failed", errors)


if __name__ == "__main__":
    sync_all(sys.argv[1])
