from urllib.parse import urlsplit

from fakehttp import adapters


def request(method, url, **kwargs):
    parts = urlsplit(url)
    return adapters.send(method, parts.hostname, parts.port or 443, parts.path)


def get(url, **kwargs):
    return request("GET", url, **kwargs)


def post(url, json=None, **kwargs):
    return request("POST", url, **kwargs)
