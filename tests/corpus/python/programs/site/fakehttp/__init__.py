"""fakehttp: a tiny stand-in for an HTTP client library (installed into venv site-packages)."""
from fakehttp.client import get, post  # noqa: F401
