"""Django's PostgreSQL backend with a health check that costs no round trip.

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection at its first
use in each request by running `SELECT 1`: one more round trip (and one more
statement for PostgreSQL) on every request that touches the database. Here the
check first asks the socket: an idle connection has nothing to read unless the
server sent something, which is what it does when it ends the session (a
restart, `pg_terminate_backend`, a crash closes the socket). Only then does it
run `SELECT 1` to find out, and a failed one closes the connection so the
request opens a new one, as Django's own check does. A connection that
psycopg2 already knows is broken is closed at once.

What neither check can see is a peer that vanished without a word (a silent
network drop): `SELECT 1` would hang on it too; TCP keepalives cover that.
"""
import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return
        if not self.idle_socket_is_quiet():
            super().close_if_health_check_failed()  # SELECT 1 tells; closes the connection if it fails
            return
        self.health_check_done = True

    def idle_socket_is_quiet(self) -> bool:
        """True if psycopg2 holds the connection open and the server has sent nothing on it."""
        conn = self.connection
        if conn.closed:
            return False
        try:
            readable, _, _ = select.select([conn], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
