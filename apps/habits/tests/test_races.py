"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there)."""
from datetime import date, timedelta

import pytest
import time_machine

from apps.core.testing import is_postgres, run_concurrently
from apps.habits import jobs
from apps.habits.models import HabitCheckIn, QuitDaySettlement
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.stats.models import StatCounter
from apps.wallet.models import LedgerEntry
from conftest import client_for

from .factories import at, log, make_habit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]

D0 = date(2024, 6, 3)


def test_twenty_concurrent_check_ins_with_a_target_of_one_pay_once(make_user):
    user = make_user("racer")
    habit = make_habit(user, difficulty="hard", now=at(D0, 8))
    with time_machine.travel(at(D0, 9), tick=False):
        clients = [client_for(user) for _ in range(20)]
        results = run_concurrently(*[lambda c=c: c.post(f"/api/v1/habits/{habit.pk}/check-in/") for c in clients])
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [201] + [409] * 19, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_checked_in"}
    assert balances(user.pk) == {"xp": 40, "coins": 12, "crystals": 0}
    assert_balances_match_ledger(user.pk)
    assert HabitCheckIn.objects.filter(habit=habit).count() == 1
    assert StatCounter.objects.get(user=user, key="habit_check_ins").value == 1
    habit.refresh_from_db()
    assert (habit.total_check_ins, habit.streak_current) == (1, 1)


def test_the_job_and_ten_requests_settling_the_same_day_pay_once(make_user):
    user = make_user("smoker")
    habit = make_habit(user, kind="quit", baseline_per_day=10, cost_per_unit="0.50", now=at(D0, 8))
    other = make_habit(user, kind="quit", now=at(D0, 8))
    log(user, habit, 0, now=at(D0, 9))
    log(user, other, 3, now=at(D0, 9))
    morning = at(D0 + timedelta(days=1), 7)
    with time_machine.travel(morning, tick=False):
        clients = [client_for(user) for _ in range(10)]
        calls = [lambda c=c: c.get("/api/v1/habits/") for c in clients[:5]]
        calls += [lambda c=c: c.get(f"/api/v1/habits/{habit.pk}/history/") for c in clients[5:]]
        calls.append(lambda: jobs.run_daily(now=morning))
        results = run_concurrently(*calls)
    assert all(getattr(r, "status_code", 200) == 200 for r in results[:10]), results
    assert not any(isinstance(r, BaseException) for r in results), results
    assert QuitDaySettlement.objects.filter(habit__user=user).count() == 2
    # Clean day with a baseline of 10: 25 XP, 1 + 5 + 20 coins; 3 units without a baseline: 5 XP, 1 coin.
    assert balances(user.pk) == {"xp": 30, "coins": 27, "crystals": 0}
    assert LedgerEntry.objects.filter(user=user, reason="quit_day_settled").count() == 2
    assert_balances_match_ledger(user.pk)
    assert StatCounter.objects.get(user=user, key="quit_clean_days").value == 1
    habit.refresh_from_db()
    assert (habit.clean_streak, habit.settled_through, str(habit.money_saved)) == (1, D0, "5.00")


def test_concurrent_logs_and_the_job_around_midnight_lose_nothing(make_user):
    """Logs for the day being settled either land before its settlement (and count) or are refused."""
    user = make_user("late")
    habit = make_habit(user, kind="quit", baseline_per_day=10, now=at(D0, 8))
    log(user, habit, 1, now=at(D0, 9))
    after_midnight = at(D0 + timedelta(days=1), 0, 30)
    with time_machine.travel(after_midnight, tick=False):
        clients = [client_for(user) for _ in range(6)]
        body = {"count": 1, "occurred_at": "2024-06-03T23:00:00Z"}
        calls = [lambda c=c: c.post(f"/api/v1/habits/{habit.pk}/logs/", body, format="json") for c in clients]
        calls.append(lambda: jobs.run_daily(now=after_midnight))
        results = run_concurrently(*calls)
    statuses = [getattr(r, "status_code", None) for r in results[:6]]
    assert set(statuses) <= {201, 409}, results
    settled = QuitDaySettlement.objects.get(habit=habit, date=D0)
    assert settled.units == 1 + statuses.count(201)
    assert {r.json()["code"] for r in results[:6] if r.status_code == 409} <= {"day_settled"}
    assert balances(user.pk)["coins"] == 1 + 2 * (10 - settled.units)
    assert_balances_match_ledger(user.pk)
