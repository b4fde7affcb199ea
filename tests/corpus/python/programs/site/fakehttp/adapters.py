from fakehttp import exceptions


def _open_socket(host, port):
    raise ConnectionRefusedError(111, "Connection refused")


def send(method, host, port, path):
    try:
        _open_socket(host, port)
    except OSError as e:
        raise exceptions.ConnectError(
            f"HTTPSConnectionPool(host='{host}', port={port}): Max retries exceeded with url: {path}"
        ) from e
