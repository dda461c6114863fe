"""The habits issue's "done when", as two players' journeys through the API with real JWTs:
a smoker logging a week with the Smoke Tracker, and a weekday habit checked in through a
weekend. Each figure is the contract's game rules; every balance equals its ledger at the end."""
import datetime

import pytest
import time_machine
from django.core.management import call_command

from apps.core.tests.test_journeys import _assert_balances_match_ledger, _log_in, _register

pytestmark = pytest.mark.django_db

MON = datetime.date(2026, 3, 9)


def moment(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = MON + datetime.timedelta(days=day_offset)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.UTC)


def _log(client, habit_id: int, count: int, **extra) -> dict:
    response = client.post(f"/api/v1/habits/{habit_id}/logs/", {"count": count, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _money(rewards: dict) -> tuple[int, int]:
    return rewards["xp"], rewards["coins"]


def test_a_smoker_logs_a_week_and_sees_rewards_streaks_savings_health_and_achievements_move():
    call_command("seed", verbosity=0)
    with time_machine.travel(moment(0, 9), tick=False):
        client, user_id = _register("quitter")
        created = client.post(
            "/api/v1/habits/",
            {"title": "No smoking", "kind": "quit", "baseline_per_day": 10, "cost_per_unit": "0.50", "unit": "cigarettes"},
            format="json",
        )
        assert created.status_code == 201, created.content
        habit_id = created.json()["id"]
        health = created.json()["metrics"]["health"]
        assert (health["reached"], health["next"]["label"]) == (None, "20 minutes")
        # The first log: "First Log" (10 XP 10 coins) and an active day; the day pays once it is over.
        first = _log(client, habit_id, 4)
        assert _money(first["rewards"]) == (10, 10)
        assert [a["code"] for a in first["rewards"]["achievements"]] == ["quit-first-log"]
        assert first["rewards"]["streak"] == {"current": 1, "extended": True, "milestone": None}
    with time_machine.travel(moment(0, 18), tick=False):
        client = _log_in("quitter")
        second = _log(client, habit_id, 2)
        assert _money(second["rewards"]) == (0, 0) and second["habit"]["metrics"]["units_today"] == 6

    # Each morning's first log also settles the day before (nothing ran in between):
    # (units logged the day before, expected XP and coins of this request, daily streak).
    week = [
        (3, (5, 1 + 8), 2),  # day 1: 6 units, 4 under the baseline
        (0, (30 + 30 + 5, 15 + 15 + 1 + 14), 3),  # 3-day milestone and "Warming Up"; day 2: 3 units
        (0, (25 + 50, 26 + 50 + 20), 4),  # day 3 clean, "First Smoke-Free Day", level 2 (20 coins)
        (1, (25, 26), 5),  # day 4 clean
        (0, (5, 1 + 18), 6),  # day 5: 1 unit
        (0, (100 + 75 + 25, 50 + 40 + 30 + 26), 7),  # 7-day milestone, "One Week Strong", level 3; day 6 clean
    ]
    codes = []
    for offset, (count, money, streak) in enumerate(week, start=1):
        with time_machine.travel(moment(offset, 9), tick=False):
            body = _log(_log_in("quitter"), habit_id, count)
        assert _money(body["rewards"]) == money, (offset, body["rewards"])
        assert body["rewards"]["streak"]["current"] == streak
        codes += [a["code"] for a in body["rewards"]["achievements"]]
    assert codes == ["streak-3", "quit-first-clean-day", "streak-7"]

    with time_machine.travel(moment(7, 10), tick=False):
        client = _log_in("quitter")
        habit = client.get(f"/api/v1/habits/{habit_id}/").json()  # settles day 7 (clean): 25 XP 26 coins
        metrics = habit["metrics"]
        assert (metrics["clean_streak"], metrics["longest_clean_streak"], metrics["units_today"]) == (2, 2, 0)
        assert metrics["avg_per_day_7d"] == round(10 / 7, 2)  # days 1-7: 6 3 0 0 1 0 0
        assert metrics["reduction_pct"] == round(100 * (10 - round(10 / 7, 2)) / 10, 1)
        assert metrics["money_saved"] == "30.00"  # (4 + 7 + 10 + 10 + 9 + 10 + 10) x 0.50
        # The last cigarette was logged on day 5 at 09:00: 73 hours ago.
        assert metrics["health"]["since"] == "2026-03-13T09:00:00Z"
        assert metrics["health"]["reached"]["label"] == "72 hours"
        assert (metrics["health"]["next"]["label"], metrics["health"]["next"]["at"]) == ("2 weeks", "2026-03-27T09:00:00Z")

        late = client.post(f"/api/v1/habits/{habit_id}/logs/", {"count": 1, "occurred_at": "2026-03-15T23:00:00Z"}, format="json")
        assert late.status_code == 409 and late.json()["code"] == "day_settled"

        me = client.get("/api/v1/me/").json()
        assert (me["level"], me["xp"], me["coins"]) == (3, 410, 377)
        stats = client.get("/api/v1/stats/").json()
        assert (stats["quit_logs"], stats["quit_clean_days"], stats["quit_clean_streak"]) == (8, 4, 2)
        unlocked = {a["code"] for a in client.get("/api/v1/achievements/", {"unlocked": "true"}).json()}
        assert unlocked == {"quit-first-log", "quit-first-clean-day", "streak-3", "streak-7"}
        history = client.get(f"/api/v1/habits/{habit_id}/history/", {"from": "2026-03-09", "to": "2026-03-16"}).json()
        assert [(d["count"], d["done"], d["settled"]) for d in history] == [
            (6, False, True), (3, False, True), (0, True, True), (0, True, True), (1, False, True),
            (0, True, True), (0, True, True), (0, False, False),
        ]
        _assert_balances_match_ledger(client, user_id)


def test_a_weekday_habit_is_checked_in_through_a_weekend_and_keeps_its_streak():
    call_command("seed", verbosity=0)
    with time_machine.travel(moment(0, 8), tick=False):
        client, user_id = _register("walker")
        created = client.post(
            "/api/v1/habits/",
            {"title": "Walk", "kind": "build", "difficulty": "easy", "schedule": {"type": "weekdays", "days": [0, 1, 2, 3, 4]}},
            format="json",
        )
        assert created.status_code == 201, created.content
        habit_id = created.json()["id"]

    def check_in(day_offset: int) -> dict:
        with time_machine.travel(moment(day_offset, 8), tick=False):
            response = _log_in("walker").post(f"/api/v1/habits/{habit_id}/check-in/")
        assert response.status_code == 201, response.content
        return response.json()

    # (day, XP and coins of the check-in, the habit's streak, the daily streak)
    week = [
        (0, (10 + 10, 3 + 5), 1, 1),  # "First Check-In"
        (1, (10, 3), 2, 2),
        (2, (10 + 30 + 30, 3 + 15 + 15 + 20), 3, 3),  # 3-day milestone, "Warming Up", level 2 at 100 XP
        (3, (10, 3), 4, 4),
        (4, (10, 3), 5, 5),
        (5, (10, 3), 5, 6),  # Saturday: counts and pays, earns no habit streak
    ]
    for day_offset, money, habit_streak, daily_streak in week:
        body = check_in(day_offset)
        assert _money(body["rewards"]) == money, (day_offset, body["rewards"])
        assert body["habit"]["metrics"]["current_streak"] == habit_streak
        assert body["rewards"]["streak"]["current"] == daily_streak

    with time_machine.travel(moment(6, 12), tick=False):  # Sunday: nothing due, the streak holds
        client = _log_in("walker")
        assert client.get(f"/api/v1/habits/{habit_id}/").json()["metrics"]["current_streak"] == 5
        assert client.get("/api/v1/dashboard/").json()["habits_due_today"] == 0
    with time_machine.travel(moment(7, 7), tick=False):  # Monday morning, before the check-in
        client = _log_in("walker")
        assert client.get(f"/api/v1/habits/{habit_id}/").json()["metrics"]["current_streak"] == 5
        assert client.get("/api/v1/dashboard/").json()["habits_due_today"] == 1

    monday = check_in(7)
    assert monday["habit"]["metrics"]["current_streak"] == 6
    assert monday["rewards"]["streak"] == {"current": 1, "extended": True, "milestone": None}  # Sunday had no activity
    tuesday = check_in(8)
    assert _money(tuesday["rewards"]) == (10 + 75, 3 + 40)  # "Seven in a Row"
    assert [a["code"] for a in tuesday["rewards"]["achievements"]] == ["habit-streak-7"]
    assert tuesday["habit"]["metrics"]["current_streak"] == 7

    check_in(9)
    with time_machine.travel(moment(9, 9), tick=False):
        client = _log_in("walker")
        undone = client.delete(f"/api/v1/habits/{habit_id}/check-in/")
        assert undone.status_code == 200, undone.content
        assert _money(undone.json()["rewards"]) == (-10, -3)
        assert (undone.json()["habit"]["metrics"]["current_streak"], undone.json()["habit"]["metrics"]["done_today"]) == (7, False)
    again = check_in(9)
    metrics = again["habit"]["metrics"]
    assert metrics == {
        "current_streak": 8,
        "longest_streak": 8,
        "completion_rate_7d": 1.0,
        "completion_rate_30d": 1.0,
        "total_check_ins": 9,
        "done_today": True,
    }
    with time_machine.travel(moment(9, 20), tick=False):
        client = _log_in("walker")
        me = client.get("/api/v1/me/").json()
        assert (me["level"], me["xp"], me["coins"]) == (2, 235, 122)
        assert client.get("/api/v1/stats/").json()["habit_check_ins"] == 9
        daily = client.get("/api/v1/stats/daily/", {"from": "2026-03-14", "to": "2026-03-16"}).json()
        assert [(d["date"], d["habit_check_ins"]) for d in daily] == [("2026-03-14", 1), ("2026-03-15", 0), ("2026-03-16", 1)]
        history = client.get(f"/api/v1/habits/{habit_id}/history/", {"from": "2026-03-13", "to": "2026-03-16"}).json()
        assert [(d["scheduled"], d["count"], d["done"]) for d in history] == [
            (True, 1, True), (False, 1, True), (False, 0, False), (True, 1, True),
        ]
        _assert_balances_match_ledger(client, user_id)
