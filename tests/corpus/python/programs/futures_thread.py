"""ThreadPoolExecutor: exception re-raised by future.result()."""
import sys
from concurrent.futures import ThreadPoolExecutor


def fetch_rate(currency):
    rates = {"EUR": 1.0, "USD": 1.08}
    return rates[currency]


def fetch_all(currencies):
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(fetch_rate, c) for c in currencies]
        return [f.result() for f in futures]


if __name__ == "__main__":
    fetch_all(["EUR", sys.argv[1]])
