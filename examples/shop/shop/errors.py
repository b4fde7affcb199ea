"""Errors a request can cause, answered with their status and message."""


class ShopError(Exception):
    """A request the shop refuses: answered with `status` and the message."""

    status = 400


class NotFound(ShopError):
    status = 404
