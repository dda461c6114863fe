"""Query budgets, measured with small and large data so a hidden N+1 fails."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.achievements.models import Achievement
from apps.achievements.services import catalog_by_trigger, catalog_invalidate
from conftest import client_for

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


def test_task_list_query_count_is_constant(make_user):
    user = make_user("lister")
    client = client_for(user)  # real JWT authentication, as clients call it
    TaskFactory.create_batch(5, user=user)
    params = {"status": "open", "search": "Task", "ordering": "-difficulty,deadline", "page_size": 100}

    client.get("/api/v1/me/")  # the user's auth snapshot cached, as in every request after the first
    small, _ = count_queries(lambda: client.get("/api/v1/tasks/", params))
    TaskFactory.create_batch(195, user=user)
    large, response = count_queries(lambda: client.get("/api/v1/tasks/", params))

    assert response.json()["count"] == 200
    # Creating tasks invalidates the user's cached responses (not the auth snapshot):
    # both calls build the page (count, page).
    assert small == large <= 10


def _catalog(size: int) -> None:
    """`size` achievements on the counters a completion changes; two unlock at the first completion."""
    Achievement.objects.all().delete()
    triggers = ("tasks_completed", "tasks_completed_on_time", "xp_earned", "coins_earned")
    rows = [Achievement(code=f"first-{n}", title="First", trigger="tasks_completed", threshold=1, reward_coins=1) for n in range(2)]
    rows += [
        Achievement(code=f"a{n}", title=f"A{n}", trigger=triggers[n % 4], threshold=100 + n * 7 % 997, reward_xp=1)
        for n in range(size - 2)
    ]
    Achievement.objects.bulk_create(rows)
    catalog_invalidate()
    catalog_by_trigger()  # warm, as in a running process


def test_complete_query_count_does_not_grow_with_the_achievement_catalog(make_user):
    measured = {}
    for size in (10, 500):
        _catalog(size)
        user = make_user(f"completer{size}")
        task = TaskFactory(user=user, difficulty="hard")
        client = client_for(user)
        queries, response = count_queries(lambda c=client, t=task: c.post(f"/api/v1/tasks/{t.pk}/complete/"))
        assert len(response.json()["rewards"]["achievements"]) == 2
        measured[size] = queries
    assert measured[10] == measured[500], measured
    assert measured[500] <= 25, measured


def test_complete_query_count_with_a_cold_catalog_is_constant_too(make_user):
    measured = {}
    for size in (10, 500):
        _catalog(size)
        catalog_invalidate()
        user = make_user(f"cold{size}")
        task = TaskFactory(user=user)
        client = client_for(user)
        measured[size], _ = count_queries(lambda c=client, t=task: c.post(f"/api/v1/tasks/{t.pk}/complete/"))
    assert measured[10] == measured[500], measured


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement reads and batch are PostgreSQL's")
def test_a_completion_is_three_statements_on_postgresql(make_user):
    # The wallet and task locked together; the day's row counted with the streak, boosts,
    # counters and unlocks read by the same statement; every write in one closing batch.
    # (The auth snapshot is cached; without an Idempotency-Key nothing else is read.)
    user = make_user("three")
    first, second = TaskFactory(user=user), TaskFactory(user=user)
    client = client_for(user)
    client.post(f"/api/v1/tasks/{first.pk}/complete/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/api/v1/tasks/{second.pk}/complete/")
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, statements
