"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there)."""
import pytest
from django.test import override_settings

from apps.core.testing import is_postgres, run_concurrently
from apps.stats.models import DailyActivity
from apps.tasks.models import Task
from conftest import client_for

from .factories import TaskFactory
from .helpers import balances, ledger_sums, stat

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]


def post(url, user):
    client = client_for(user)  # one client per thread
    return lambda: client.post(url)


def test_twenty_concurrent_completions_of_one_task_pay_once(make_user):
    user = make_user("racer")
    task = TaskFactory(user=user, difficulty="hard")

    results = run_concurrently(*[post(f"/api/v1/tasks/{task.pk}/complete/", user) for _ in range(20)])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200] + [409] * 19, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_completed"}
    assert balances(user) == ledger_sums(user) == {"xp": 40, "coins": 12, "crystals": 0}
    assert stat(user, "tasks_completed") == 1
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETED and (task.reward_xp, task.reward_coins) == (40, 12)


def test_twenty_concurrent_completions_of_different_tasks_lose_nothing(make_user):
    user = make_user("busy")
    tasks = TaskFactory.create_batch(20, user=user, difficulty="easy")

    results = run_concurrently(*[post(f"/api/v1/tasks/{t.pk}/complete/", user) for t in tasks])

    assert [getattr(r, "status_code", repr(r)) for r in results] == [200] * 20
    # 20 x (10 XP, 3 coins) = 200 XP -> level 2 (at 100 XP) pays 20 coins, once.
    assert balances(user) == ledger_sums(user) == {"xp": 200, "coins": 80, "crystals": 0}
    assert sum(r.json()["rewards"]["coins"] for r in results) == 80
    assert sum(r.json()["rewards"]["level"]["leveled_up"] for r in results) == 1
    assert sum(r.json()["rewards"]["streak"]["extended"] for r in results) == 1
    assert stat(user, "tasks_completed") == 20 and stat(user, "xp_earned") == 200
    day = DailyActivity.objects.get(user=user)
    assert (day.tasks_completed, day.task_completions, day.xp_earned) == (20, 20, 200)
    assert Task.objects.filter(user=user, status="completed").count() == 20


@override_settings(DREAMTRACK_DAILY_COMPLETION_CAP=5)
def test_concurrent_completions_around_the_daily_cap_pay_exactly_the_cap(make_user):
    # Each completion reads the day's count under the wallet lock and writes it with the
    # closing batch: concurrent ones must still see each other's.
    user = make_user("farmer")
    tasks = TaskFactory.create_batch(8, user=user, difficulty="easy")

    results = run_concurrently(*[post(f"/api/v1/tasks/{t.pk}/complete/", user) for t in tasks])

    assert [getattr(r, "status_code", repr(r)) for r in results] == [200] * 8
    assert sorted(r.json()["rewards"]["capped"] for r in results) == [False] * 5 + [True] * 3
    assert balances(user) == ledger_sums(user) == {"xp": 50, "coins": 15, "crystals": 0}
    day = DailyActivity.objects.get(user=user)
    assert (day.tasks_completed, day.task_completions, day.xp_earned, day.coins_earned) == (8, 8, 50, 15)
    assert stat(user, "tasks_completed") == 8


def test_twenty_concurrent_reopens_take_back_once(make_user):
    user = make_user("undoer")
    task = TaskFactory(user=user, difficulty="medium")
    assert client_for(user).post(f"/api/v1/tasks/{task.pk}/complete/").status_code == 200

    results = run_concurrently(*[post(f"/api/v1/tasks/{task.pk}/reopen/", user) for _ in range(20)])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200] + [409] * 19, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"not_completed"}
    assert balances(user) == ledger_sums(user) == {"xp": 0, "coins": 0, "crystals": 0}
    assert stat(user, "tasks_completed") == 0


def test_concurrent_completions_with_one_idempotency_key_pay_once(make_user):
    user = make_user("retrier")
    task = TaskFactory(user=user)

    def call():
        return client_for(user).post(f"/api/v1/tasks/{task.pk}/complete/", HTTP_IDEMPOTENCY_KEY="same-key")

    results = run_concurrently(*[call for _ in range(10)])

    statuses = [getattr(r, "status_code", repr(r)) for r in results]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 1
    assert {r.json()["code"] for r in results if r.status_code == 409} <= {"request_in_progress"}
    assert balances(user) == ledger_sums(user) == {"xp": 10, "coins": 3, "crystals": 0}
