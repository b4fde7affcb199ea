"""fakedb: a tiny stand-in for a DB-API driver (installed into venv site-packages)."""
from fakedb.connection import connect  # noqa: F401
