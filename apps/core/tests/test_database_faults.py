"""PostgreSQL going away under a request: a clean 503, nothing half-done, and the app
reconnects by itself; a retry with the same Idempotency-Key applies once."""
import psycopg2
import pytest
from django.db import close_old_connections, connection

from apps.core.testing import is_postgres
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from apps.wallet.models import LedgerEntry, Wallet
from conftest import client_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="terminates PostgreSQL backends"),
]


def _terminate_backend(pid: int) -> None:
    """End one server process from the outside, as a restart or an operator would."""
    params = connection.get_connection_params()
    with psycopg2.connect(**params) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def between_requests() -> None:
    """What Django's handler does at each request's start and end (the test client skips it):
    close a connection that failed or that the server closed, so the next use reconnects."""
    close_old_connections()


def test_a_backend_killed_mid_request_is_a_503_then_a_retry_applies_once(make_user, monkeypatch):
    from apps.tasks import services

    user = make_user()
    task = TaskFactory(user=user, difficulty="hard")
    client = client_for(user)
    real_reward = services.task_reward
    killed = []

    def reward_then_lose_the_server(**kwargs):
        # Under the wallet and task locks, half-way through the completion.
        if not killed:
            killed.append(True)
            _terminate_backend(connection.connection.info.backend_pid)
        return real_reward(**kwargs)

    monkeypatch.setattr(services, "task_reward", reward_then_lose_the_server)
    headers = {"HTTP_IDEMPOTENCY_KEY": "complete-once"}
    first = client.post(f"/api/v1/tasks/{task.pk}/complete/", **headers)
    assert first.status_code == 503, first.content
    assert first.json()["code"] == "service_unavailable"
    between_requests()
    # Nothing half-done: the task is open and nothing was paid.
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert not LedgerEntry.objects.filter(user=user).exists()

    between_requests()
    retry = client.post(f"/api/v1/tasks/{task.pk}/complete/", **headers)  # a new connection, by itself
    assert retry.status_code == 200, retry.content
    replay = client.post(f"/api/v1/tasks/{task.pk}/complete/", **headers)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(user=user, reason="task_completed").count() == 2  # XP and coins, once
    assert Wallet.objects.get(user=user).xp == 40


def test_an_idle_connection_the_server_closed_is_replaced_before_the_next_request(make_user):
    user = make_user()
    client = client_for(user)
    assert client.get("/api/v1/streak/").status_code == 200
    _terminate_backend(connection.connection.info.backend_pid)
    between_requests()
    assert client.get("/api/v1/streak/").status_code == 200
