from fakedb import errors


class Cursor:
    def __init__(self, conn):
        self.conn = conn

    def _check_unique(self, table, key):
        if (table, key) in self.conn._rows:
            raise errors.IntegrityError(
                f'duplicate key value violates unique constraint "{table}_pkey"\n'
                f"DETAIL:  Key (id)=({key}) already exists."
            )

    def execute(self, sql, params):
        table = sql.split()[2]
        self._check_unique(table, params[0])
        self.conn._rows[(table, params[0])] = params
