from datetime import date, timedelta

import pytest
import time_machine

from apps.achievements.models import Achievement
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for


def _complete(client, task):
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_dashboard_counts_tasks_and_shows_profile_streak_and_achievements(make_user):
    user = make_user("dana", timezone="Pacific/Auckland")
    Achievement.objects.create(code="first", title="First", trigger="tasks_completed", threshold=1, reward_coins=5)
    Achievement.objects.create(code="ten", title="Ten", trigger="tasks_completed", threshold=10)
    Achievement.objects.create(code="fifty", title="Fifty", trigger="tasks_completed", threshold=50)
    Achievement.objects.create(code="secret", title="Secret", trigger="tasks_completed", threshold=2, hidden=True)
    Achievement.objects.create(code="lvl5", title="Level 5", trigger="level", threshold=5)
    with time_machine.travel("2026-06-10 01:00:00+00:00", tick=False):  # 13:00 in Auckland
        today = date(2026, 6, 10)
        TaskFactory(user=user, deadline=today)
        TaskFactory(user=user, deadline=today - timedelta(days=2))
        TaskFactory(user=user, deadline=today + timedelta(days=5))
        TaskFactory(user=user)
        done = TaskFactory(user=user, deadline=today)
        client = client_for(user)
        _complete(client, done)
        body = client.get("/api/v1/dashboard/").json()

    assert body["tasks"] == {"due_today": 1, "overdue": 1, "open": 4}
    assert body["profile"]["username"] == "dana"
    assert body["profile"]["coins"] == body["profile"]["coins"] > 0
    assert body["streak"]["current"] == 1 and body["streak"]["next_milestone"]["days"] == 3
    assert [a["code"] for a in body["recent_achievements"]] == ["first"]
    # Closest first by progress ratio: 1/10 beats 1/50 and level 1/5 = 0.2 beats both; hidden ones never show.
    assert [a["code"] for a in body["next_achievements"]] == ["lvl5", "ten", "fifty"]
    assert body["next_achievements"][1]["progress"] == {"current": 1, "target": 10}
    assert body["habits_due_today"] == 0 and body["unread_notifications"] == 0
    assert body["active_boosts"] == []


@pytest.mark.django_db
def test_dashboard_query_count_stays_flat_as_data_grows(make_user, django_assert_max_num_queries):
    user = make_user()
    client = client_for(user)

    def counted() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/dashboard/").status_code == 200
        return len(ctx.captured_queries)

    def grow(achievements: int, tasks: int, completed: int):
        start = Achievement.objects.count()
        for i in range(start, start + achievements):
            Achievement.objects.create(code=f"a{i}", title=f"A{i}", trigger="tasks_completed", threshold=i + 1)
        made = [TaskFactory(user=user, deadline=date.today()) for _ in range(tasks)]
        for task in made[:completed]:
            _complete(client, task)

    grow(achievements=2, tasks=2, completed=1)
    small = counted()
    grow(achievements=60, tasks=30, completed=12)
    large = counted()
    assert large == small
    with django_assert_max_num_queries(10):
        client.get("/api/v1/dashboard/")


@pytest.mark.django_db
def test_dashboard_needs_authentication(api_client):
    response = api_client.get("/api/v1/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
