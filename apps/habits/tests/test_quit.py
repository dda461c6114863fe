"""Habits to quit (the Smoke Tracker) through the API: logs, settled days, rewards once, metrics."""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from apps.habits import jobs
from apps.habits.models import Habit, QuitDaySettlement, QuitLog
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.stats.models import DailyActivity, StatCounter
from apps.wallet.models import LedgerEntry
from conftest import client_for

from .factories import at, log, make_habit

pytestmark = pytest.mark.django_db

D0 = date(2024, 6, 3)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def stat(user, key):
    return StatCounter.objects.filter(user=user, key=key).values_list("value", flat=True).first() or 0


def post_log(user, habit, when, **body):
    with time_machine.travel(when, tick=False):
        return client_for(user).post(f"/api/v1/habits/{habit.pk}/logs/", body, format="json")


def get_metrics(user, habit, when):
    with time_machine.travel(when, tick=False):
        response = client_for(user).get(f"/api/v1/habits/{habit.pk}/")
    assert response.status_code == 200, response.content
    return response.json()["metrics"]


def smoker(user, **fields):
    return make_habit(user, kind="quit", title="No smoking", baseline_per_day=10, cost_per_unit="0.50",
                      unit="cigarettes", now=at(D0, 8), **fields)


def test_a_quit_week_pays_each_day_once_with_the_clean_streak_and_the_7_day_achievement(user):
    call_command("seed", verbosity=0)
    habit = smoker(user)
    first = post_log(user, habit, at(day(0), 9), count=3)
    assert first.status_code == 201, first.content
    assert [a["code"] for a in first.json()["rewards"]["achievements"]] == ["quit-first-log"]
    assert (first.json()["rewards"]["xp"], first.json()["rewards"]["streak"]["current"]) == (10, 1)
    for n in range(1, 8):
        assert post_log(user, habit, at(day(n), 21), count=0).status_code == 201
        # The job runs after each local midnight; a second run, and the next request, add nothing.
        jobs.run_daily(now=at(day(n + 1), 0, 5))
        jobs.run_daily(now=at(day(n + 1), 0, 10))
        get_metrics(user, habit, at(day(n + 1), 0, 15))

    settled = list(QuitDaySettlement.objects.filter(habit=habit).order_by("date").values_list("date", "units", "xp", "coins", "clean_streak"))
    assert settled == [(day(0), 3, 5, 1 + 14, 0)] + [(day(n), 0, 25, 26, n) for n in range(1, 8)]
    pay = LedgerEntry.objects.filter(user=user, reason="quit_day_settled")
    assert pay.count() == 16  # one XP and one coins row per settled day
    assert sum(pay.filter(currency="xp").values_list("amount", flat=True)) == 5 + 7 * 25
    assert sum(pay.filter(currency="coins").values_list("amount", flat=True)) == 15 + 7 * 26
    codes = list(LedgerEntry.objects.filter(user=user, reason="achievement").values_list("ref", flat=True))
    # First Log; First Smoke-Free Day; 7-Day Smoke-Free Streak; and the daily streak's "streak-3"/"streak-7".
    for code in ("quit-first-log", "quit-first-clean-day", "quit-clean-7"):
        assert codes.count(f"achievement:{code}") == 2, code  # XP and coins, once
    assert (stat(user, "quit_logs"), stat(user, "quit_clean_days"), stat(user, "quit_clean_streak")) == (8, 7, 7)
    assert_balances_match_ledger(user.pk)

    metrics = get_metrics(user, habit, at(day(8), 9))
    assert metrics["clean_streak"] == 7 and metrics["longest_clean_streak"] == 7
    assert metrics["units_today"] == 0
    assert metrics["avg_per_day_7d"] == 0.0 and metrics["reduction_pct"] == 100.0  # days 1-7 before today
    assert metrics["money_saved"] == "38.50"  # (10 - 3) x 0.50 + 7 x 10 x 0.50
    with time_machine.travel(at(day(8), 9), tick=False):
        assert client_for(user).get("/api/v1/stats/").json()["quit_clean_days"] == 7
        achievements = {a["code"]: a for a in client_for(user).get("/api/v1/achievements/").json()}
    assert achievements["quit-clean-7"]["unlocked"] and not achievements["quit-clean-30"]["unlocked"]
    assert achievements["quit-clean-30"]["progress"] == {"current": 7, "target": 30}


def test_a_day_without_a_log_neither_extends_nor_breaks_the_clean_streak_and_a_smoked_day_breaks_it(user):
    habit = smoker(user)
    log(user, habit, 0, now=at(day(0), 20))
    log(user, habit, 0, now=at(day(1), 20))
    # Day 2: nothing logged.
    log(user, habit, 0, now=at(day(3), 20))
    jobs.run_daily(now=at(day(4), 1))
    habit.refresh_from_db()
    assert (habit.clean_streak, habit.longest_clean_streak, habit.settled_through) == (3, 3, day(3))
    assert not QuitDaySettlement.objects.filter(habit=habit, date=day(2)).exists()
    assert not LedgerEntry.objects.filter(user=user, ref="quit:2024-06-05").exists()
    log(user, habit, 1, now=at(day(4), 20))
    log(user, habit, 0, now=at(day(5), 20))
    jobs.run_daily(now=at(day(6), 1))
    habit.refresh_from_db()
    assert (habit.clean_streak, habit.longest_clean_streak) == (1, 3)
    assert list(QuitDaySettlement.objects.filter(habit=habit).order_by("date").values_list("clean_streak", flat=True)) == [
        1, 2, 3, 0, 1,
    ]


def test_a_backdated_log_goes_to_its_open_day_and_a_settled_day_is_409(user):
    habit = smoker(user)
    # Backdated within the day.
    earlier = post_log(user, habit, at(day(0), 20), count=2, occurred_at="2024-06-03T09:30:00Z")
    assert earlier.status_code == 201, earlier.content
    assert earlier.json()["log"]["date"] == "2024-06-03"
    # The next morning, before any job or request settled day 0, a forgotten log goes to day 0;
    # the same request then settles day 0 (2 + 3 units: 5 under the baseline) and pays it.
    late = post_log(user, habit, at(day(1), 8), count=3, occurred_at="2024-06-03T22:00:00Z")
    assert late.status_code == 201, late.content
    assert (late.json()["rewards"]["xp"], late.json()["rewards"]["coins"]) == (5, 1 + 10)
    assert late.json()["habit"]["metrics"]["money_saved"] == "2.50"
    # Day 0 is now settled and closed.
    closed = post_log(user, habit, at(day(1), 9), count=1, occurred_at="2024-06-03T23:00:00Z")
    assert closed.status_code == 409 and closed.json()["code"] == "day_settled"
    assert "closed" in closed.json()["detail"] and "2024-06-03" in closed.json()["detail"]
    assert QuitLog.objects.filter(habit=habit).count() == 2
    assert QuitDaySettlement.objects.get(habit=habit, date=day(0)).units == 5
    assert_balances_match_ledger(user.pk)


def test_log_times_in_the_future_or_over_48_hours_back_are_400(user):
    habit = smoker(user)
    now = at(day(2), 12)
    for occurred, message in (("2024-06-05T12:00:01Z", "future"), ("2024-06-03T11:59:59Z", "48 hours")):
        response = post_log(user, habit, now, count=1, occurred_at=occurred)
        assert response.status_code == 400 and message in response.json()["errors"]["occurred_at"][0]
    for body in ({"count": -1}, {}, {"count": "many"}):
        assert post_log(user, habit, now, **body).status_code == 400
    assert not QuitLog.objects.exists()


def test_a_log_before_the_habit_began_is_400(user):
    habit = smoker(user)
    response = post_log(user, habit, at(day(0), 9), count=1, occurred_at="2024-06-02T23:00:00Z")
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]


def test_build_and_archived_habits_refuse_logs(user):
    builder = make_habit(user, now=at(D0))
    archived = smoker(user)
    Habit.objects.filter(pk=archived.pk).update(archived=True)
    assert post_log(user, builder, at(D0, 9), count=0).json()["code"] == "not_a_quit_habit"
    assert post_log(user, archived, at(D0, 9), count=0).json()["code"] == "habit_archived"


def test_days_logged_before_archiving_still_settle(user):
    habit = smoker(user)
    log(user, habit, 0, now=at(day(0), 10))
    Habit.objects.filter(pk=habit.pk).update(archived=True)
    jobs.run_daily(now=at(day(1), 1))
    assert QuitDaySettlement.objects.filter(habit=habit, date=day(0), clean=True).exists()


def test_the_next_request_settles_what_the_job_has_not(user):
    habit = smoker(user)
    log(user, habit, 0, now=at(day(0), 10))
    with time_machine.travel(at(day(1), 7), tick=False):
        listing = client_for(user).get("/api/v1/habits/").json()["results"]
    assert listing[0]["metrics"]["clean_streak"] == 1
    assert balances(user.pk) == {"xp": 25, "coins": 26, "crystals": 0}
    assert "0 quit days settled" in jobs.run_daily(now=at(day(1), 8))
    assert balances(user.pk) == {"xp": 25, "coins": 26, "crystals": 0}
    assert DailyActivity.objects.get(user=user, date=day(0)).xp_earned == 25


def test_the_job_waits_for_each_users_local_day_to_end_with_a_4_oclock_start(make_user):
    east = make_user("east", timezone="Pacific/Kiritimati", day_start_hour=4)  # UTC+14
    west = make_user("west", timezone="Pacific/Pago_Pago", day_start_hour=4)  # UTC-11
    # 2024-06-03 01:00 UTC: 15:00 on June 3rd in Kiritimati, 14:00 on June 2nd in Pago Pago.
    start = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)
    east_habit = make_habit(east, kind="quit", now=start)
    west_habit = make_habit(west, kind="quit", now=start)
    log(east, east_habit, 0, now=start)
    log(west, west_habit, 0, now=start)
    assert (east_habit.start_date, west_habit.start_date) == (date(2024, 6, 3), date(2024, 6, 2))
    # Kiritimati's June 3rd ends at June 4th 04:00 local = June 3rd 14:00 UTC.
    jobs.run_daily(now=datetime(2024, 6, 3, 13, 59, tzinfo=UTC))
    assert not QuitDaySettlement.objects.exists()
    jobs.run_daily(now=datetime(2024, 6, 3, 14, 0, tzinfo=UTC))
    assert list(QuitDaySettlement.objects.values_list("habit_id", "date")) == [(east_habit.pk, date(2024, 6, 3))]
    # Pago Pago's June 2nd ends at June 3rd 04:00 local = June 3rd 15:00 UTC.
    jobs.run_daily(now=datetime(2024, 6, 3, 14, 59, tzinfo=UTC))
    assert QuitDaySettlement.objects.count() == 1
    jobs.run_daily(now=datetime(2024, 6, 3, 15, 0, tzinfo=UTC))
    assert QuitDaySettlement.objects.filter(habit=west_habit, date=date(2024, 6, 2)).exists()


def test_the_health_milestone_counts_from_the_last_logged_unit(user):
    habit = smoker(user)
    log(user, habit, 2, now=at(day(0), 10))
    log(user, habit, 0, now=at(day(0), 12))  # a clean report is no unit
    health = get_metrics(user, habit, at(day(0), 18, 30))["health"]
    assert health["since"] == "2024-06-03T10:00:00Z"
    assert health["reached"]["label"] == "8 hours" and health["next"]["label"] == "24 hours"
    assert health["next"]["at"] == "2024-06-04T10:00:00Z"
    # A week later with nothing smoked: 72 hours reached, 2 weeks next.
    health = get_metrics(user, habit, at(day(7), 10))["health"]
    assert (health["reached"]["label"], health["next"]["label"]) == ("72 hours", "2 weeks")


def test_reduction_and_average_over_the_last_seven_logged_days(user):
    habit = smoker(user)
    for n, count in enumerate([8, 6, 4]):
        log(user, habit, count, now=at(day(n), 20))
    metrics = get_metrics(user, habit, at(day(3), 10))
    assert metrics["avg_per_day_7d"] == 6.0 and metrics["reduction_pct"] == 40.0
    assert metrics["money_saved"] == "6.00"  # (2 + 4 + 6) x 0.50
    assert metrics["clean_streak"] == 0
    log(user, habit, 2, now=at(day(3), 11))
    assert get_metrics(user, habit, at(day(3), 12))["units_today"] == 2


def test_the_largest_savings_the_input_allows_are_stored_and_shown(user):
    # 100,000 units a day at 99,999,999.99 each: what create accepts, saved every clean day.
    habit = make_habit(user, kind="quit", baseline_per_day=100000, cost_per_unit="99999999.99", now=at(D0, 8))
    for n in range(3):
        log(user, habit, 0, now=at(day(n), 20))

    metrics = get_metrics(user, habit, at(day(3), 10))

    assert metrics["money_saved"] == "29999999997000.00"  # 3 x 100,000 x 99,999,999.99
    assert [str(s) for s in QuitDaySettlement.objects.filter(habit=habit).values_list("money_saved", flat=True)] == [
        "9999999999000.00"
    ] * 3
    with time_machine.travel(at(day(3), 10), tick=False):
        assert client_for(user).get("/api/v1/habits/").status_code == 200


def test_history_of_a_quit_habit(user):
    habit = smoker(user)
    log(user, habit, 0, now=at(day(0), 10))
    log(user, habit, 4, now=at(day(2), 10))
    with time_machine.travel(at(day(2), 11), tick=False):
        rows = client_for(user).get(f"/api/v1/habits/{habit.pk}/history/", {"from": "2024-06-02", "to": "2024-06-05"}).json()
    assert rows == [
        {"date": "2024-06-02", "scheduled": False, "count": 0, "done": False, "logged": False, "settled": False},
        {"date": "2024-06-03", "scheduled": True, "count": 0, "done": True, "logged": True, "settled": True},
        {"date": "2024-06-04", "scheduled": True, "count": 0, "done": False, "logged": False, "settled": True},
        {"date": "2024-06-05", "scheduled": True, "count": 4, "done": False, "logged": True, "settled": False},
    ]


def test_a_log_with_an_idempotency_key_is_stored_once(user):
    habit = smoker(user)
    with time_machine.travel(at(day(0), 9), tick=False):
        client = client_for(user)
        first = client.post(f"/api/v1/habits/{habit.pk}/logs/", {"count": 1}, format="json", HTTP_IDEMPOTENCY_KEY="x")
        again = client.post(f"/api/v1/habits/{habit.pk}/logs/", {"count": 1}, format="json", HTTP_IDEMPOTENCY_KEY="x")
        other = client.post(f"/api/v1/habits/{habit.pk}/logs/", {"count": 2}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert QuitLog.objects.filter(habit=habit).count() == 1


def test_after_a_time_zone_change_the_job_and_the_next_request_still_settle_by_the_local_day(make_user):
    west = make_user("mover-west")  # UTC, then Pago Pago (UTC-11)
    east = make_user("mover-east")  # UTC, then Kiritimati (UTC+14)
    habits = {}
    for who in (west, east):
        habits[who.pk] = smoker(who)
        log(who, habits[who.pk], 0, now=at(day(0), 10))
    for who, zone in ((west, "Pacific/Pago_Pago"), (east, "Pacific/Kiritimati")):
        with time_machine.travel(at(day(0), 11), tick=False):
            assert client_for(who).patch("/api/v1/me/", {"timezone": zone}, format="json").status_code == 200
        who.refresh_from_db()
    # June 3rd 12:00 UTC: Kiritimati's June 3rd is over, but the job looks when UTC's is (the
    # time kept from before the move); the user's next request settles it.
    jobs.run_daily(now=datetime(2024, 6, 3, 12, 0, tzinfo=UTC))
    assert not QuitDaySettlement.objects.exists()
    with time_machine.travel(datetime(2024, 6, 3, 12, 0, tzinfo=UTC), tick=False):
        assert client_for(east).get("/api/v1/habits/").json()["results"][0]["metrics"]["clean_streak"] == 1
    # June 4th 00:30 UTC: June 3rd 13:30 in Pago Pago, not over: the job leaves it and puts its time right.
    jobs.run_daily(now=datetime(2024, 6, 4, 0, 30, tzinfo=UTC))
    assert not QuitDaySettlement.objects.filter(habit=habits[west.pk]).exists()
    habits[west.pk].refresh_from_db()
    assert habits[west.pk].next_settle_at == datetime(2024, 6, 4, 11, 0, tzinfo=UTC)
    jobs.run_daily(now=datetime(2024, 6, 4, 11, 0, tzinfo=UTC))
    assert QuitDaySettlement.objects.filter(habit=habits[west.pk]).exists()
    assert QuitDaySettlement.objects.count() == 2


def test_a_job_with_nothing_due_reads_one_statement_whatever_the_number_of_habits(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(20):
        who = make_user(f"settled{n}")
        log(who, smoker(who), 0, now=at(day(0), 10))
    jobs.run_daily(now=at(day(1), 0, 5))
    with CaptureQueriesContext(connection) as ctx:
        assert jobs.run_daily(now=at(day(1), 23, 55)).startswith("0 quit days settled")
    assert len(ctx.captured_queries) == 1
