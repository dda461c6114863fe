"""Query budgets, measured with small and large data so a hidden N+1 fails."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.achievements.models import Achievement
from apps.achievements.services import catalog, catalog_invalidate
from conftest import client_for

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("size", [10, 1000])
def test_task_list_query_count_stays_flat_as_tasks_grow(make_user, size, django_assert_max_num_queries):
    user = make_user("lister")
    TaskFactory.create_batch(size, user=user)
    client = client_for(user)  # real JWT authentication, as clients call it
    client.get("/api/v1/me/")  # the user's auth snapshot cached, as in every request after the first
    params = {"status": "open", "search": "Task", "ordering": "-difficulty,deadline", "page_size": 100}
    with django_assert_max_num_queries(2):  # count, page
        response = client.get("/api/v1/tasks/", params)
    assert response.json()["count"] == size


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
    catalog()  # warm, as in a running process


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


@pytest.mark.parametrize("tasks", [10, 1000])
def test_a_repeat_completion_stays_within_its_budget_as_tasks_grow(make_user, tasks, django_assert_max_num_queries):
    # The day already counted (the streak is read, not extended); nothing unlocks.
    user = make_user("repeat")
    first, *others = TaskFactory.create_batch(tasks, user=user)
    client = client_for(user)
    assert client.post(f"/api/v1/tasks/{first.pk}/complete/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.post(f"/api/v1/tasks/{others[-1].pk}/complete/").status_code == 200
