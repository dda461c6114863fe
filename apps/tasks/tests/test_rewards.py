"""Completing and reopening tasks: rewards, bonus, cap, reversal (through the API)."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from apps.achievements.models import Achievement, UserAchievement
from apps.achievements.services import catalog_invalidate
from apps.boosts.models import ActiveBoost
from apps.progression.services import progress_grant
from apps.stats.models import DailyActivity
from apps.tasks.models import Task
from apps.wallet.models import LedgerEntry

from .factories import TaskFactory
from .helpers import balances, ledger_sums, stat

pytestmark = pytest.mark.django_db

NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # local day 2025-03-10 for a UTC user


def complete(client, task):
    return client.post(f"/api/v1/tasks/{task.pk}/complete/")


def reopen(client, task):
    return client.post(f"/api/v1/tasks/{task.pk}/reopen/")


@pytest.mark.parametrize(
    ("difficulty", "xp", "coins"),
    [("trivial", 5, 1), ("easy", 10, 3), ("medium", 20, 6), ("hard", 40, 12)],
)
def test_completion_pays_the_difficulty_reward(user, auth_client, difficulty, xp, coins):
    task = TaskFactory(user=user, difficulty=difficulty)

    r = complete(auth_client, task)

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["task"]["status"] == "completed" and body["task"]["completed_at"]
    rewards = body["rewards"]
    assert (rewards["xp"], rewards["coins"], rewards["crystals"]) == (xp, coins, 0)
    assert rewards["capped"] is False
    assert rewards["streak"] == {"current": 1, "extended": True, "milestone": None}
    assert rewards["level"] == {"before": 1, "after": 1, "leveled_up": False}
    assert rewards["multipliers"] == {"xp": 1.0, "coins": 1.0}
    assert balances(user) == ledger_sums(user) == {"xp": xp, "coins": coins, "crystals": 0}
    task.refresh_from_db()
    assert (task.reward_xp, task.reward_coins, task.completed_on_time) == (xp, coins, False)
    assert stat(user, "tasks_completed") == 1 and stat(user, "tasks_completed_on_time") == 0
    assert set(LedgerEntry.objects.filter(user=user).values_list("reason", "ref")) == {("task_completed", f"task:{task.pk}")}


@pytest.mark.parametrize(
    ("difficulty", "deadline", "xp", "coins", "on_time"),
    [
        ("hard", date(2025, 3, 10), 50, 15, True),  # on the deadline day
        ("hard", date(2025, 3, 20), 50, 15, True),  # before it
        ("hard", date(2025, 3, 9), 40, 12, False),  # after it: no bonus
        # +25 % rounded down: 5 -> 6 (1.25), 1 -> 1 (0.25); 10 -> 12 (2.5), 3 -> 3; 6 coins -> 7 (1.5)
        ("trivial", date(2025, 3, 10), 6, 1, True),
        ("easy", date(2025, 3, 10), 12, 3, True),
        ("medium", date(2025, 3, 10), 25, 7, True),
    ],
)
def test_on_time_bonus_is_25_percent_rounded_down(user, auth_client, difficulty, deadline, xp, coins, on_time):
    task = TaskFactory(user=user, difficulty=difficulty, deadline=deadline)

    with time_machine.travel(NOON, tick=False):
        r = complete(auth_client, task)

    assert r.status_code == 200, r.content
    assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (xp, coins)
    assert stat(user, "tasks_completed_on_time") == (1 if on_time else 0)
    task.refresh_from_db()
    assert task.completed_on_time is on_time


def forced_client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_on_time_uses_the_users_local_day_not_utc(make_user):
    # 05:00 UTC on the 11th is still the 10th (19:00) in Honolulu.
    user = make_user("hono", timezone="Pacific/Honolulu")
    task = TaskFactory(user=user, difficulty="easy", deadline=date(2025, 3, 10))
    with time_machine.travel(datetime(2025, 3, 11, 5, 0, tzinfo=UTC), tick=False):
        r = complete(forced_client(user), task)
    assert r.json()["rewards"]["xp"] == 12
    task.refresh_from_db()
    assert task.completed_local_date == date(2025, 3, 10)


def test_boost_multiplies_the_reward_after_the_bonus_and_reopen_takes_back_the_boosted_amount(user, auth_client):
    with time_machine.travel(NOON, tick=False):
        ActiveBoost.objects.create(
            user=user, type="xp", multiplier=Decimal("1.5"), started_at=NOON - timedelta(minutes=1), expires_at=NOON + timedelta(hours=1)
        )
        task = TaskFactory(user=user, difficulty="easy", deadline=date(2025, 3, 10))
        r = complete(auth_client, task)
        assert r.json()["rewards"]["xp"] == 18  # floor(12 * 1.5)
        assert r.json()["rewards"]["coins"] == 3
        assert r.json()["rewards"]["multipliers"] == {"xp": 1.5, "coins": 1.0}

        r = reopen(auth_client, task)
    assert r.status_code == 200, r.content
    assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (-18, -3)
    assert balances(user) == ledger_sums(user) == {"xp": 0, "coins": 0, "crystals": 0}


def test_completing_twice_is_409_already_completed_and_pays_once(user, auth_client):
    task = TaskFactory(user=user)
    assert complete(auth_client, task).status_code == 200

    r = complete(auth_client, task)

    assert r.status_code == 409
    assert r.json()["code"] == "already_completed"
    assert balances(user) == {"xp": 10, "coins": 3, "crystals": 0}
    assert LedgerEntry.objects.filter(user=user).count() == 2


def test_reopen_takes_back_exactly_the_completions_own_reward(user, auth_client):
    task = TaskFactory(user=user, difficulty="medium", deadline=date(2025, 3, 10))
    with time_machine.travel(NOON, tick=False):
        complete(auth_client, task)
        r = reopen(auth_client, task)

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["task"]["status"] == "open" and body["task"]["completed_at"] is None
    assert (body["rewards"]["xp"], body["rewards"]["coins"]) == (-25, -7)
    assert body["rewards"]["streak"]["extended"] is False
    assert balances(user) == ledger_sums(user) == {"xp": 0, "coins": 0, "crystals": 0}
    assert list(LedgerEntry.objects.filter(user=user, reason="task_reopened").values_list("currency", "amount", "ref")) in (
        [("xp", -25, f"task:{task.pk}"), ("coins", -7, f"task:{task.pk}")],
        [("coins", -7, f"task:{task.pk}"), ("xp", -25, f"task:{task.pk}")],
    )
    assert stat(user, "tasks_completed") == 0 and stat(user, "tasks_completed_on_time") == 0
    assert stat(user, "xp_earned") == 0 and stat(user, "coins_earned") == 0
    day = DailyActivity.objects.get(user=user, date=date(2025, 3, 10))
    assert (day.tasks_completed, day.task_completions, day.xp_earned, day.coins_earned) == (0, 1, 0, 0)
    # The streak stays.
    user.streak.refresh_from_db()
    assert user.streak.current == 1
    task.refresh_from_db()
    assert (task.reward_xp, task.reward_coins, task.completed_local_date, task.completed_on_time) == (0, 0, None, False)

    # Completing it again pays again.
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        r = complete(auth_client, task)
    assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (25, 7)
    assert balances(user) == ledger_sums(user) == {"xp": 25, "coins": 7, "crystals": 0}


def test_reopen_keeps_level_up_and_achievement_rewards(user, auth_client):
    Achievement.objects.create(code="first-task", title="First", trigger="tasks_completed", threshold=1, reward_xp=5, reward_coins=2)
    catalog_invalidate()
    tasks = [TaskFactory(user=user, difficulty="hard") for _ in range(3)]
    with time_machine.travel(NOON, tick=False):
        first = complete(auth_client, tasks[0]).json()["rewards"]
        assert [a["code"] for a in first["achievements"]] == ["first-task"]
        assert (first["xp"], first["coins"]) == (45, 14)
        complete(auth_client, tasks[1])
        third = complete(auth_client, tasks[2]).json()["rewards"]
        # 125 XP: level 2 pays 20 coins.
        assert third["level"] == {"before": 1, "after": 2, "leveled_up": True}
        assert (third["xp"], third["coins"]) == (40, 32)

        r = reopen(auth_client, tasks[2])
        assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (-40, -12)
        assert r.json()["rewards"]["level"] == {"before": 2, "after": 1, "leveled_up": False}
        r = reopen(auth_client, tasks[0])
        assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (-40, -12)

    # Left: hard task 2 (40/12), the achievement (5/2), the level-up (20 coins).
    assert balances(user) == ledger_sums(user) == {"xp": 45, "coins": 34, "crystals": 0}
    assert UserAchievement.objects.filter(user=user, achievement__code="first-task").exists()
    assert stat(user, "tasks_completed") == 1

    # Regaining level 2 pays nothing again; the achievement is not paid twice.
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        again = complete(auth_client, tasks[2]).json()["rewards"]
    assert again["achievements"] == [] and again["level"]["leveled_up"] is False
    assert (again["xp"], again["coins"]) == (40, 12)


def test_reopen_on_the_next_local_day_is_409_reopen_window_closed(make_user):
    # Auckland, a day that starts at 04:00: 03:30 on the 11th still belongs to the 10th.
    user = make_user("kiwi", timezone="Pacific/Auckland", day_start_hour=4)
    client = forced_client(user)
    task = TaskFactory(user=user)
    local_2300 = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # 23:00 NZDT (UTC+13)
    with time_machine.travel(local_2300, tick=False):
        assert complete(client, task).status_code == 200
    with time_machine.travel(local_2300 + timedelta(hours=4, minutes=30), tick=False):  # 03:30 next morning
        r = reopen(client, task)
        assert r.status_code == 200, r.content
        assert complete(client, task).status_code == 200
    with time_machine.travel(local_2300 + timedelta(hours=5, minutes=30), tick=False):  # 04:30: a new local day
        r = reopen(client, task)
    assert r.status_code == 409
    assert r.json()["code"] == "reopen_window_closed"
    assert balances(user) == ledger_sums(user) == {"xp": 10, "coins": 3, "crystals": 0}
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETED


def test_reopen_with_the_coins_already_spent_is_409_and_changes_nothing(user, auth_client):
    task = TaskFactory(user=user, difficulty="hard")
    with time_machine.travel(NOON, tick=False):
        complete(auth_client, task)
        progress_grant(user=user, coins=-5, reason="test_spend")  # 7 coins left of 12
        ledger_before = LedgerEntry.objects.filter(user=user).count()

        r = reopen(auth_client, task)

    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_funds"
    assert balances(user) == ledger_sums(user) == {"xp": 40, "coins": 7, "crystals": 0}
    assert LedgerEntry.objects.filter(user=user).count() == ledger_before
    assert stat(user, "tasks_completed") == 1
    assert DailyActivity.objects.get(user=user, date=date(2025, 3, 10)).tasks_completed == 1
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETED and task.reward_coins == 12


def test_reopening_an_open_task_is_409_not_completed(user, auth_client):
    task = TaskFactory(user=user)
    r = reopen(auth_client, task)
    assert r.status_code == 409
    assert r.json()["code"] == "not_completed"


@override_settings(DREAMTRACK_DAILY_COMPLETION_CAP=3)
def test_completions_past_the_daily_cap_complete_but_earn_nothing(user, auth_client):
    tasks = [TaskFactory(user=user) for _ in range(4)]
    with time_machine.travel(NOON, tick=False):
        # A reopened completion still counts toward the cap: 1 (reopened), 2, 3 ...
        complete(auth_client, tasks[0])
        reopen(auth_client, tasks[0])
        complete(auth_client, tasks[0])
        complete(auth_client, tasks[1])
        assert balances(user)["xp"] == 20

        r = complete(auth_client, tasks[2])  # the 4th completion of the day

        assert r.status_code == 200
        assert r.json()["task"]["status"] == "completed"
        rewards = r.json()["rewards"]
        assert rewards["capped"] is True and (rewards["xp"], rewards["coins"]) == (0, 0)
        assert stat(user, "tasks_completed") == 3  # counted in statistics
        task = Task.objects.get(pk=tasks[2].pk)
        assert (task.reward_xp, task.reward_coins) == (0, 0)

        # Reopening a capped completion takes back nothing.
        r = reopen(auth_client, tasks[2])
        assert r.status_code == 200
        assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (0, 0)
    assert balances(user) == ledger_sums(user) == {"xp": 20, "coins": 6, "crystals": 0}

    # The next local day starts a new count.
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        r = complete(auth_client, tasks[3])
    assert r.json()["rewards"]["capped"] is False and r.json()["rewards"]["xp"] == 10


def test_idempotent_complete_replays_the_first_response_and_pays_once(user, auth_client):
    task = TaskFactory(user=user)
    url = f"/api/v1/tasks/{task.pk}/complete/"

    first = auth_client.post(url, HTTP_IDEMPOTENCY_KEY="done-1")
    second = auth_client.post(url, HTTP_IDEMPOTENCY_KEY="done-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert balances(user) == ledger_sums(user) == {"xp": 10, "coins": 3, "crystals": 0}
    # A new key is a new request: already completed.
    assert auth_client.post(url, HTTP_IDEMPOTENCY_KEY="done-2").json()["code"] == "already_completed"


def test_idempotent_reopen_replays(user, auth_client):
    task = TaskFactory(user=user)
    complete(auth_client, task)
    url = f"/api/v1/tasks/{task.pk}/reopen/"
    first = auth_client.post(url, HTTP_IDEMPOTENCY_KEY="undo-1")
    second = auth_client.post(url, HTTP_IDEMPOTENCY_KEY="undo-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert balances(user) == ledger_sums(user) == {"xp": 0, "coins": 0, "crystals": 0}


def test_editing_a_completed_task_never_changes_its_rewards_and_deleting_keeps_the_ledger(user, auth_client):
    task = TaskFactory(user=user, difficulty="easy")
    complete(auth_client, task)

    r = auth_client.patch(f"/api/v1/tasks/{task.pk}/", {"title": "Renamed", "difficulty": "hard"}, format="json")

    assert r.status_code == 200 and r.json()["title"] == "Renamed" and r.json()["status"] == "completed"
    task.refresh_from_db()
    assert (task.reward_xp, task.reward_coins) == (10, 3)
    r = reopen(auth_client, task)
    assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"]) == (-10, -3)

    complete(auth_client, task)
    assert auth_client.delete(f"/api/v1/tasks/{task.pk}/").status_code == 204
    assert balances(user) == ledger_sums(user) == {"xp": 40, "coins": 12, "crystals": 0}
    assert LedgerEntry.objects.filter(user=user, ref=f"task:{task.pk}").count() == 6
