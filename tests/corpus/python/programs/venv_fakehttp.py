"""Payment gateway call through a library installed in the venv's site-packages."""
import sys

import fakehttp


def capture_payment(charge_id):
    return fakehttp.post(f"https://payments.internal:8443/v1/charges/{charge_id}/capture")


if __name__ == "__main__":
    print(f"capturing {sys.argv[1]}")
    capture_payment(sys.argv[1])
