"""The PostgreSQL backend's health check (apps/core/db/postgresql/base.py): no
`SELECT 1` on a healthy connection, a reconnect when the server ended the session."""
import select
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.core.testing import is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="the health check of the PostgreSQL backend needs PostgreSQL")


@pytest.fixture
def other_connection():
    """A second connection to the test database, configured like a request's."""
    conn = connections.create_connection(DEFAULT_DB_ALIAS)
    conn.health_check_enabled = True
    conn.ensure_connection()
    yield conn
    conn.close()


def start_of_request(conn):
    # What Django's request_started handler does to a persistent connection.
    conn.close_if_unusable_or_obsolete()


def test_the_settings_use_the_backend_with_the_quiet_health_check():
    assert connection.settings_dict["ENGINE"] == "apps.core.db.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_reused_without_a_select_1(other_connection, monkeypatch):
    calls = []
    monkeypatch.setattr(type(other_connection), "is_usable", lambda self: calls.append(1) or True)
    raw = other_connection.connection

    start_of_request(other_connection)
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)

    assert calls == []  # no round trip spent on the check
    assert other_connection.connection is raw
    assert other_connection.health_check_done


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(other_connection):
    raw = other_connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
        assert cursor.fetchone() == (True,)
    # The server's goodbye (an error message, then EOF) reaches the socket.
    deadline = time.monotonic() + 5
    while not select.select([raw], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the terminated session never became readable"

    start_of_request(other_connection)
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)

    assert other_connection.connection is not raw
    assert raw.closed


@pytest.mark.django_db(transaction=True)
def test_a_connection_psycopg_knows_is_closed_is_replaced(other_connection):
    raw = other_connection.connection
    raw.close()

    start_of_request(other_connection)
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
    assert other_connection.connection is not raw
