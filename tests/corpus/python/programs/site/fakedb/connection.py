from fakedb.cursor import Cursor


class Connection:
    def __init__(self, dsn):
        self.dsn = dsn
        self._rows = {}

    def cursor(self):
        return Cursor(self)


def connect(dsn):
    return Connection(dsn)
