class HTTPError(Exception):
    pass


class ConnectError(HTTPError):
    pass


class HTTPStatusError(HTTPError):
    def __init__(self, message, status):
        super().__init__(message)
        self.status = status
