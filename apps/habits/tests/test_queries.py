"""Query budgets, measured with small and large data so a hidden N+1 fails."""
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.achievements.services import catalog
from apps.habits import jobs
from apps.habits.models import Habit, QuitDaySettlement, QuitLog
from apps.habits.settlement import quit_days_settle_due, quit_days_settle_for_user
from conftest import client_for

from .factories import at, backfill, make_habit

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)
NOW = at(TODAY, 9)
LIST_BUDGET = 4  # habits count, page, check-ins of 30 days, logs of 8 days (+ the settlement check)


def habits_with_history(user, *, habits: int, days: int) -> None:
    for n in range(habits):
        habit = make_habit(user, kind="build" if n % 2 else "quit", now=at(TODAY, 8), baseline_per_day=10,
                           schedule_type="weekdays" if n % 4 == 1 else "daily", schedule_days=[0, 2, 4] if n % 4 == 1 else None)
        backfill(habit, days=days, end=TODAY)
    # The quit days before today are settled: this measures the read alone.
    Habit.objects.filter(user=user, kind="quit").update(settled_through=TODAY - timedelta(days=1))


@pytest.mark.parametrize(("habits", "days"), [(2, 7), (50, 366)])
def test_the_habit_list_with_metrics_stays_flat_as_habits_and_history_grow(make_user, habits, days, django_assert_max_num_queries):
    user = make_user("lister")
    habits_with_history(user, habits=habits, days=days)
    with time_machine.travel(NOW, tick=False):
        client = client_for(user)
        client.get("/api/v1/me/")  # the auth snapshot cached, as after any first request
        with django_assert_max_num_queries(LIST_BUDGET + 1):
            response = client.get("/api/v1/habits/", {"page_size": 50})
    assert response.status_code == 200 and response.json()["count"] == habits
    build = next(h for h in response.json()["results"] if h["kind"] == "build")
    assert build["metrics"]["total_check_ins"] == 0  # backfilled rows are history, not counted check-ins
    assert build["metrics"]["done_today"] is True


@pytest.mark.parametrize("days", [7, 366])
def test_history_stays_flat_for_a_year(make_user, days, django_assert_max_num_queries):
    user = make_user("historian")
    build, quit_ = make_habit(user, now=at(TODAY, 8)), make_habit(user, kind="quit", now=at(TODAY, 8))
    for habit in (build, quit_):
        backfill(habit, days=days, end=TODAY)
    with time_machine.travel(NOW, tick=False):
        client = client_for(user)
        client.get("/api/v1/me/")
        first = (TODAY - timedelta(days=days - 1)).isoformat()
        for habit in (build, quit_):
            Habit.objects.filter(pk=quit_.pk).update(settled_through=TODAY - timedelta(days=1))
            with django_assert_max_num_queries(3):  # settlement check, the habit, its days
                response = client.get(f"/api/v1/habits/{habit.pk}/history/", {"from": first, "to": TODAY.isoformat()})
            assert response.status_code == 200 and len(response.json()) == days
            assert all(row["count"] == 1 for row in response.json())


def logs_of(habit, *, start: date, counts: list[int]) -> None:
    """Logs written directly: days not settled yet (a log through the API would settle the days before it)."""
    QuitLog.objects.bulk_create(
        QuitLog(habit=habit, date=start + timedelta(days=n), occurred_at=at(start + timedelta(days=n), 20), count=count,
                created_at=at(start + timedelta(days=n), 20))
        for n, count in enumerate(counts)
    )


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_settling_a_users_backlog_takes_the_same_queries_for_one_day_or_many(make_user):
    """Set-based: never a query per habit per day."""
    measured = {}
    # 90 days: one INSERT of settled days on SQLite too (it splits inserts past 999 parameters).
    for habits, days in ((1, 1), (6, 15)):
        user = make_user(f"backlog{habits}")
        start = TODAY - timedelta(days=days)
        for _ in range(habits):
            habit = make_habit(user, kind="quit", baseline_per_day=5, now=at(start, 8))
            logs_of(habit, start=start, counts=[n % 3 for n in range(days)])
        catalog()  # warm, as in a running process
        measured[(habits, days)] = count_queries(lambda u=user: quit_days_settle_for_user(user=u, now=NOW))
        assert QuitDaySettlement.objects.filter(habit__user=user).count() == habits * days
    assert measured[(1, 1)] == measured[(6, 15)], measured


def test_the_job_costs_per_user_not_per_habit_day(make_user):
    measured = {}
    for habits, days in ((1, 1), (3, 8)):
        start = TODAY - timedelta(days=days)
        for u in range(4):
            user = make_user(f"job{habits}-{u}")
            for _ in range(habits):
                habit = make_habit(user, kind="quit", now=at(start, 8))
                logs_of(habit, start=start, counts=[0] * days)
        catalog()  # warm, as in a running worker
        measured[(habits, days)] = count_queries(lambda: jobs.run_daily(now=NOW))
    assert measured[(1, 1)] == measured[(3, 8)], measured


CHUNK = 10  # users per transaction in the test below (the job's default is 100)


def test_the_jobs_queries_per_chunk_stay_flat_as_users_and_days_grow(
    make_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Each chunk: the settlement's own statements, whatever its users' habits and days, plus one
    `apply` per user; the chunk's notifications are one INSERT after its commit."""
    call_command("seed", verbosity=0)  # the first clean day unlocks an achievement: its pay is a second round
    per_chunk = {}
    for users, days in ((10, 1), (200, 5)):
        start = TODAY - timedelta(days=days)
        for u in range(users):
            user = make_user(f"chunk{users}-{u}")
            habit = make_habit(user, kind="quit", now=at(start, 8))
            logs_of(habit, start=start, counts=[0] * days)
        catalog()  # warm, as in a running worker
        chunks = users // CHUNK
        # Candidates, users, wallets (read, locked), habits, logs, settled days, habits written, clean
        # streak counters, a savepoint's two statements (the test's transaction) and the chunk's
        # notifications: 12; then per user the apply's 7: the streak read, counters (the days, then
        # the achievement's pay), the unlock, wallet, ledger, the day's row. The last look finds no one.
        with django_assert_max_num_queries(chunks * (12 + 7 * CHUNK) + 1) as ctx:
            with django_capture_on_commit_callbacks(execute=True):
                totals = quit_days_settle_due(now=NOW, batch_users=CHUNK)
        assert (totals.users, totals.days) == (users, users * days)
        per_chunk[(users, days)] = (len(ctx.captured_queries) - 1) / chunks
    assert per_chunk[(10, 1)] == per_chunk[(200, 5)], per_chunk


@pytest.mark.parametrize("days", [7, 366])
def test_a_check_in_stays_within_its_budget_as_history_grows(make_user, days, django_assert_max_num_queries):
    user = make_user("regular")
    habit = make_habit(user, now=at(TODAY, 8))
    backfill(habit, days=days, end=TODAY - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        client = client_for(user)
        client.get("/api/v1/me/")
        catalog()  # warm, as in a running process
        # Wallet and habit locks, the 30 days' check-ins, the daily streak (read and extended: the
        # day's first activity), boosts, counters, wallet, ledger, the day's row, the check-in,
        # the habit; and a savepoint's two statements under the test's transaction.
        with django_assert_max_num_queries(14):
            response = client.post(f"/api/v1/habits/{habit.pk}/check-in/")
    assert response.status_code == 201, response.content
    assert response.json()["habit"]["metrics"]["completion_rate_7d"] == 1.0
