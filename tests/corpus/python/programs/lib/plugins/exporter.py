"""Exporter plugin: fails while configuring itself at import time."""

DEFAULTS = {"format": "csv"}


def configure(defaults):
    return defaults["endpoint"].rstrip("/")


ENDPOINT = configure(DEFAULTS)
