"""Habits to build through the API: CRUD, check-ins, undo, metrics, counters and achievements."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from apps.boosts.models import ActiveBoost
from apps.habits.models import Habit, HabitCheckIn
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.stats.models import DailyActivity, StatCounter
from apps.wallet.models import LedgerEntry
from conftest import client_for, exported

from .factories import at, check_in, make_habit

pytestmark = pytest.mark.django_db

MON = date(2024, 6, 3)


def stat(user, key):
    return StatCounter.objects.filter(user=user, key=key).values_list("value", flat=True).first() or 0


def post_check_in(user, habit, when, **body):
    with time_machine.travel(when, tick=False):
        return client_for(user).post(f"/api/v1/habits/{habit.pk}/check-in/", body, format="json")


def get_habit(user, habit, when):
    with time_machine.travel(when, tick=False):
        response = client_for(user).get(f"/api/v1/habits/{habit.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


# --- CRUD -------------------------------------------------------------------------------


def test_create_list_filter_search_edit_archive_and_delete(user):
    client = client_for(user)
    created = client.post(
        "/api/v1/habits/",
        {"title": "Read 20 pages", "kind": "build", "difficulty": "medium", "unit": "pages",
         "schedule": {"type": "weekdays", "days": [4, 0, 2, 2]}},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["schedule"] == {"type": "weekdays", "days": [0, 2, 4], "times": None, "every": None}
    assert (body["kind"], body["difficulty"], body["target_per_day"], body["archived"]) == ("build", "medium", 1, False)
    assert set(body["metrics"]) == {
        "current_streak", "longest_streak", "completion_rate_7d", "completion_rate_30d", "total_check_ins", "done_today",
    }
    quit_ = client.post("/api/v1/habits/", {"title": "No smoking", "kind": "quit", "baseline_per_day": 10,
                                            "cost_per_unit": "0.45", "unit": "cigarettes"}, format="json")
    assert quit_.status_code == 201, quit_.content
    assert set(quit_.json()["metrics"]) == {
        "clean_streak", "longest_clean_streak", "units_today", "avg_per_day_7d", "reduction_pct", "money_saved", "health",
    }

    listing = client.get("/api/v1/habits/").json()
    assert listing["count"] == 2 and [h["title"] for h in listing["results"]] == ["Read 20 pages", "No smoking"]
    assert [h["title"] for h in client.get("/api/v1/habits/", {"kind": "quit"}).json()["results"]] == ["No smoking"]
    assert [h["title"] for h in client.get("/api/v1/habits/", {"search": "pages"}).json()["results"]] == ["Read 20 pages"]
    assert client.get("/api/v1/habits/", {"kind": "never"}).status_code == 400

    edited = client.patch(f"/api/v1/habits/{body['id']}/", {"title": "Read 30 pages", "archived": True}, format="json")
    assert edited.status_code == 200 and edited.json()["title"] == "Read 30 pages"
    assert [h["title"] for h in client.get("/api/v1/habits/").json()["results"]] == ["No smoking"]
    assert [h["title"] for h in client.get("/api/v1/habits/", {"archived": "true"}).json()["results"]] == ["Read 30 pages"]
    assert [h["title"] for h in client.get("/api/v1/habits/", {"archived": "1"}).json()["results"]] == ["Read 30 pages"]
    assert [h["title"] for h in client.get("/api/v1/habits/", {"archived": ""}).json()["results"]] == ["No smoking"]
    assert client.get(f"/api/v1/habits/{body['id']}/").status_code == 200  # still there, with its history

    kind_change = client.patch(f"/api/v1/habits/{body['id']}/", {"kind": "quit"}, format="json")
    assert kind_change.status_code == 400 and "kind" in kind_change.json()["errors"]
    assert client.delete(f"/api/v1/habits/{body['id']}/").status_code == 204
    assert client.get(f"/api/v1/habits/{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"type": "weekdays", "days": []}, "schedule.days"),
        ({"type": "weekdays", "days": [7]}, "schedule.days.0"),
        ({"type": "times_per_week"}, "schedule.times"),
        ({"type": "times_per_week", "times": 8}, "schedule.times"),
        ({"type": "every_n_days"}, "schedule.every"),
        ({"type": "monthly"}, "schedule.type"),
    ],
)
def test_an_incomplete_schedule_is_400(user, schedule, field):
    response = client_for(user).post("/api/v1/habits/", {"title": "x", "kind": "build", "schedule": schedule}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert field in response.json()["errors"], response.json()


def test_a_quit_habit_is_tracked_every_day(user):
    response = client_for(user).post(
        "/api/v1/habits/", {"title": "x", "kind": "quit", "schedule": {"type": "times_per_week", "times": 3}}, format="json"
    )
    assert response.status_code == 400 and "schedule" in response.json()["errors"]


def test_someone_elses_habit_is_a_404(user, make_user):
    other = make_user("bob")
    theirs = make_habit(other)
    client = client_for(user)
    assert client.get(f"/api/v1/habits/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/habits/{theirs.pk}/", {"title": "mine"}, format="json").status_code == 404
    assert client.post(f"/api/v1/habits/{theirs.pk}/check-in/").status_code == 404
    assert client.delete(f"/api/v1/habits/{theirs.pk}/check-in/").status_code == 404
    assert client.get(f"/api/v1/habits/{theirs.pk}/history/").status_code == 404
    assert client.delete(f"/api/v1/habits/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/habits/").json()["count"] == 0


# --- check-ins --------------------------------------------------------------------------


@pytest.mark.parametrize(("difficulty", "xp", "coins"), [("trivial", 5, 1), ("easy", 10, 3), ("medium", 20, 6), ("hard", 40, 12)])
def test_a_check_in_pays_the_difficulty_reward_and_counts_the_day(user, difficulty, xp, coins):
    habit = make_habit(user, difficulty=difficulty, now=at(MON))
    response = post_check_in(user, habit, at(MON, 9))
    assert response.status_code == 201, response.content
    rewards = response.json()["rewards"]
    assert (rewards["xp"], rewards["coins"]) == (xp, coins)
    assert rewards["streak"] == {"current": 1, "extended": True, "milestone": None}
    assert response.json()["habit"]["metrics"]["done_today"] is True
    assert balances(user.pk) == {"xp": xp, "coins": coins, "crystals": 0}
    assert_balances_match_ledger(user.pk)
    assert stat(user, "habit_check_ins") == 1
    assert DailyActivity.objects.get(user=user, date=MON).habit_check_ins == 1
    assert LedgerEntry.objects.filter(user=user, reason="habit_check_in", ref=f"habit:{habit.pk}:2024-06-03").count() == 2


def test_check_ins_past_the_target_are_409_and_pay_nothing(user):
    habit = make_habit(user, target_per_day=3, now=at(MON))
    for n in range(3):
        response = post_check_in(user, habit, at(MON, 9, n))
        assert response.status_code == 201, response.content
    assert response.json()["habit"]["metrics"]["done_today"] is True
    fourth = post_check_in(user, habit, at(MON, 10))
    assert fourth.status_code == 409 and fourth.json()["code"] == "already_checked_in"
    assert balances(user.pk)["xp"] == 30
    assert HabitCheckIn.objects.filter(habit=habit).count() == 3


def test_yesterday_may_be_checked_in_but_not_earlier_or_later(user):
    habit = make_habit(user, now=at(MON))
    assert post_check_in(user, habit, at(MON + timedelta(days=1)), date="2024-06-03").status_code == 201
    for day in ("2024-06-02", "2024-06-05"):
        response = post_check_in(user, habit, at(MON + timedelta(days=1)), date=day)
        assert response.status_code == 400 and "date" in response.json()["errors"], day
    assert post_check_in(user, habit, at(MON + timedelta(days=1))).status_code == 201
    metrics = get_habit(user, habit, at(MON + timedelta(days=1), 20))["metrics"]
    assert (metrics["current_streak"], metrics["total_check_ins"]) == (2, 2)


def test_a_day_outside_the_schedule_counts_and_pays_but_earns_no_streak(user):
    habit = make_habit(user, schedule_type="weekdays", schedule_days=[0, 1, 2, 3, 4], now=at(MON))
    saturday = MON + timedelta(days=5)
    response = post_check_in(user, habit, at(saturday))
    assert response.status_code == 201
    assert (response.json()["rewards"]["xp"], response.json()["rewards"]["coins"]) == (10, 3)
    metrics = response.json()["habit"]["metrics"]
    assert (metrics["current_streak"], metrics["total_check_ins"], metrics["done_today"]) == (0, 1, True)
    assert stat(user, "habit_check_ins") == 1 and stat(user, "habit_streak") == 0


def test_a_check_in_is_boosted(user):
    habit = make_habit(user, difficulty="easy", now=at(MON))
    ActiveBoost.objects.create(user=user, type="xp", multiplier=Decimal("1.5"), started_at=at(MON, 8), expires_at=at(MON, 10))
    rewards = post_check_in(user, habit, at(MON, 9)).json()["rewards"]
    assert (rewards["xp"], rewards["coins"], rewards["multipliers"]) == (15, 3, {"xp": 1.5, "coins": 1.0})


def test_quit_habits_archived_habits_and_unknown_ones_refuse_a_check_in(user):
    quitter = make_habit(user, kind="quit", now=at(MON))
    archived = make_habit(user, archived=True, now=at(MON))
    assert post_check_in(user, quitter, at(MON)).json()["code"] == "not_a_build_habit"
    assert post_check_in(user, archived, at(MON)).json()["code"] == "habit_archived"
    with time_machine.travel(at(MON), tick=False):
        assert client_for(user).post("/api/v1/habits/999999/check-in/").status_code == 404
    assert balances(user.pk) == {"xp": 0, "coins": 0, "crystals": 0}


def test_a_check_in_with_an_idempotency_key_pays_once(user):
    habit = make_habit(user, target_per_day=5, now=at(MON))
    with time_machine.travel(at(MON), tick=False):
        client = client_for(user)
        first = client.post(f"/api/v1/habits/{habit.pk}/check-in/", HTTP_IDEMPOTENCY_KEY="k1")
        again = client.post(f"/api/v1/habits/{habit.pk}/check-in/", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert HabitCheckIn.objects.filter(habit=habit).count() == 1 and balances(user.pk)["xp"] == 10


# --- undo -------------------------------------------------------------------------------


def test_undo_takes_back_exactly_the_check_ins_own_reward(user):
    call_command("seed", verbosity=0)
    habit = make_habit(user, difficulty="medium", target_per_day=2, now=at(MON))
    # Boosted at check-in time (and not at undo time): the undo takes back what was paid.
    ActiveBoost.objects.create(user=user, type="coins", multiplier=Decimal("2"), started_at=at(MON, 8), expires_at=at(MON, 9, 30))
    first = post_check_in(user, habit, at(MON, 9)).json()["rewards"]
    # medium 20 XP 6 coins (x2 coins = 12) and "First Check-In" (10 XP 5 coins).
    assert (first["xp"], first["coins"], [a["code"] for a in first["achievements"]]) == (30, 17, ["habit-first-check-in"])
    post_check_in(user, habit, at(MON, 10))  # 20 XP 6 coins, unboosted
    before = balances(user.pk)

    with time_machine.travel(at(MON, 11), tick=False):
        undone = client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/")
    assert undone.status_code == 200, undone.content
    assert (undone.json()["rewards"]["xp"], undone.json()["rewards"]["coins"]) == (-20, -6)  # the latest one's own
    assert undone.json()["habit"]["metrics"]["total_check_ins"] == 1
    with time_machine.travel(at(MON, 11), tick=False):
        undone = client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/?date=2024-06-03")
    assert (undone.json()["rewards"]["xp"], undone.json()["rewards"]["coins"]) == (-20, -12)  # boosted when paid
    assert balances(user.pk) == {"xp": before["xp"] - 40, "coins": before["coins"] - 18, "crystals": 0}
    assert balances(user.pk) == {"xp": 10, "coins": 5, "crystals": 0}  # the achievement's reward stays
    assert_balances_match_ledger(user.pk)
    assert stat(user, "habit_check_ins") == 0
    assert DailyActivity.objects.get(user=user, date=MON).habit_check_ins == 0
    assert set(LedgerEntry.objects.filter(user=user, reason="habit_check_in_undone").values_list("ref", flat=True)) == {
        f"habit:{habit.pk}:2024-06-03"
    }
    with time_machine.travel(at(MON, 11), tick=False):
        nothing = client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/")
    assert nothing.status_code == 409 and nothing.json()["code"] == "not_checked_in"


def test_undo_is_only_for_the_local_day_the_check_in_was_made(user):
    habit = make_habit(user, now=at(MON))
    post_check_in(user, habit, at(MON))
    with time_machine.travel(at(MON + timedelta(days=1)), tick=False):
        response = client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/?date=2024-06-03")
    assert response.status_code == 409 and response.json()["code"] == "undo_window_closed"
    # Checked in today for yesterday: undone today.
    post_check_in(user, habit, at(MON + timedelta(days=2)), date="2024-06-04")
    with time_machine.travel(at(MON + timedelta(days=2), 13), tick=False):
        assert client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/?date=2024-06-04").status_code == 200
        assert client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/?date=junk").status_code == 400


def test_undo_with_the_coins_spent_is_409_and_changes_nothing(user):
    from apps.progression.services import progress_grant

    habit = make_habit(user, difficulty="hard", now=at(MON))
    post_check_in(user, habit, at(MON))
    progress_grant(user=user, coins=-12, reason="spent")
    with time_machine.travel(at(MON, 13), tick=False):
        response = client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_funds"
    assert HabitCheckIn.objects.filter(habit=habit).count() == 1
    assert_balances_match_ledger(user.pk)


def test_undoing_the_day_that_made_the_streak_counts_it_again(user):
    habit = make_habit(user, now=at(MON))
    for n in range(3):
        check_in(user, habit, now=at(MON + timedelta(days=n)))
    assert get_habit(user, habit, at(MON + timedelta(days=2), 20))["metrics"]["current_streak"] == 3
    with time_machine.travel(at(MON + timedelta(days=2), 21), tick=False):
        client_for(user).delete(f"/api/v1/habits/{habit.pk}/check-in/")
    metrics = get_habit(user, habit, at(MON + timedelta(days=2), 22))["metrics"]
    assert (metrics["current_streak"], metrics["longest_streak"], metrics["done_today"]) == (2, 3, False)


# --- metrics, counters, achievements ------------------------------------------------------


def test_metrics_of_a_build_habit_over_two_weeks(user):
    habit = make_habit(user, schedule_type="weekdays", schedule_days=[0, 2, 4], now=at(MON))  # Mon, Wed, Fri
    for n in (0, 2, 4, 7, 11):  # Mon Wed Fri, Mon, (Wed missed), Fri
        check_in(user, habit, now=at(MON + timedelta(days=n)))
    metrics = get_habit(user, habit, at(MON + timedelta(days=11), 20))["metrics"]
    assert metrics == {
        "current_streak": 1,
        "longest_streak": 4,
        "completion_rate_7d": round(2 / 3, 4),  # Mon, Wed (missed), Fri within the last 7 days
        "completion_rate_30d": round(5 / 6, 4),
        "total_check_ins": 5,
        "done_today": True,
    }


def test_a_yesterday_check_in_after_today_joins_the_streak(user):
    habit = make_habit(user, now=at(MON))
    check_in(user, habit, now=at(MON))
    check_in(user, habit, now=at(MON + timedelta(days=2)))  # Wednesday; Tuesday not yet
    check_in(user, habit, now=at(MON + timedelta(days=2), 13), day=MON + timedelta(days=1))
    habit.refresh_from_db()
    assert (habit.streak_current, habit.streak_longest, habit.streak_period) == (3, 3, MON + timedelta(days=2))


def test_a_new_schedule_counts_the_streak_again(user):
    habit = make_habit(user, now=at(MON))
    for n in (0, 2, 4):
        check_in(user, habit, now=at(MON + timedelta(days=n)))
    assert get_habit(user, habit, at(MON + timedelta(days=4), 20))["metrics"]["current_streak"] == 1
    with time_machine.travel(at(MON + timedelta(days=4), 21), tick=False):
        response = client_for(user).patch(
            f"/api/v1/habits/{habit.pk}/", {"schedule": {"type": "weekdays", "days": [0, 2, 4]}}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["metrics"]["current_streak"] == 3


def test_the_check_in_ladder_and_the_habit_streak_achievements_pay_once(user):
    call_command("seed", verbosity=0)
    first, second = make_habit(user, now=at(MON)), make_habit(user, now=at(MON))
    unlocked = []
    for n in range(7):
        for habit in (first, second):
            rewards = check_in(user, habit, now=at(MON + timedelta(days=n))).rewards
            unlocked += [a["code"] for a in rewards.achievements]
    # 14 check-ins: first (1) and ten (10); both habits reach 7 days, the streak pays once.
    assert unlocked.count("habit-first-check-in") == 1
    assert unlocked.count("habit-check-ins-10") == 1
    assert unlocked.count("habit-streak-7") == 1
    assert (stat(user, "habit_check_ins"), stat(user, "habit_streak")) == (14, 7)
    assert_balances_match_ledger(user.pk)


def test_stats_daily_and_the_dashboard_count_habits(user):
    daily = make_habit(user, now=at(MON))
    weekly = make_habit(user, schedule_type="times_per_week", schedule_times=2, now=at(MON))
    make_habit(user, schedule_type="weekdays", schedule_days=[5], now=at(MON))  # Saturdays only
    make_habit(user, kind="quit", now=at(MON))
    make_habit(user, archived=True, now=at(MON))
    with time_machine.travel(at(MON, 9), tick=False):
        assert client_for(user).get("/api/v1/dashboard/").json()["habits_due_today"] == 3  # daily, weekly, quit
    check_in(user, daily, now=at(MON, 10))
    check_in(user, weekly, now=at(MON, 10))
    with time_machine.travel(at(MON, 11), tick=False):
        client = client_for(user)
        assert client.get("/api/v1/dashboard/").json()["habits_due_today"] == 1  # the quit habit's log
        days = client.get("/api/v1/stats/daily/", {"from": "2024-06-03", "to": "2024-06-03"}).json()
        assert days[0]["habit_check_ins"] == 2
        assert client.get("/api/v1/stats/").json()["habit_check_ins"] == 2
    check_in(user, weekly, now=at(MON + timedelta(days=1), 10))
    with time_machine.travel(at(MON + timedelta(days=2), 9), tick=False):
        # Wednesday: the weekly habit met its 2 days; the daily one and the quit one are due.
        assert client_for(user).get("/api/v1/dashboard/").json()["habits_due_today"] == 2


def test_history_of_a_build_habit(user):
    habit = make_habit(user, schedule_type="every_n_days", schedule_every=2, target_per_day=2, now=at(MON))
    check_in(user, habit, now=at(MON))
    check_in(user, habit, now=at(MON, 13))
    check_in(user, habit, now=at(MON + timedelta(days=1)))
    with time_machine.travel(at(MON + timedelta(days=2)), tick=False):
        client = client_for(user)
        rows = client.get(f"/api/v1/habits/{habit.pk}/history/", {"from": "2024-06-02", "to": "2024-06-04"}).json()
        assert rows == [
            {"date": "2024-06-02", "scheduled": False, "count": 0, "done": False},
            {"date": "2024-06-03", "scheduled": True, "count": 2, "done": True},
            {"date": "2024-06-04", "scheduled": False, "count": 1, "done": False},
        ]
        assert len(client.get(f"/api/v1/habits/{habit.pk}/history/").json()) == 30
        too_long = client.get(f"/api/v1/habits/{habit.pk}/history/", {"from": "2023-01-01", "to": "2024-06-04"})
        assert too_long.status_code == 400
        backwards = client.get(f"/api/v1/habits/{habit.pk}/history/", {"from": "2024-06-04", "to": "2024-06-01"})
        assert backwards.status_code == 400


def test_export_carries_habits_and_their_history(user):
    habit = make_habit(user, now=at(MON))
    check_in(user, habit, now=at(MON))
    with time_machine.travel(at(MON), tick=False):
        export = exported(user)["habits"]
    assert [h["title"] for h in export["habits"]] == [habit.title]
    assert export["check_ins"][0]["date"] == "2024-06-03" and export["check_ins"][0]["reward_xp"] == 10
    assert Habit.objects.filter(user=user).exists()


def test_cached_habit_lists_show_every_change_at_once(user):
    with time_machine.travel(at(MON, 9), tick=False):
        client = client_for(user)

        def first():
            return client.get("/api/v1/habits/").json()["results"][0]

        habit_id = client.post("/api/v1/habits/", {"title": "Stretch", "kind": "build"}, format="json").json()["id"]
        assert first()["metrics"]["done_today"] is False
        assert first()["metrics"]["done_today"] is False  # served from the cache
        assert client.get("/api/v1/dashboard/").json()["habits_due_today"] == 1
        client.post(f"/api/v1/habits/{habit_id}/check-in/")
        assert first()["metrics"]["done_today"] is True
        assert client.get("/api/v1/dashboard/").json()["habits_due_today"] == 0
        client.patch(f"/api/v1/habits/{habit_id}/", {"title": "Stretch well"}, format="json")
        assert first()["title"] == "Stretch well"
        client.delete(f"/api/v1/habits/{habit_id}/check-in/")
        assert first()["metrics"]["done_today"] is False
        client.delete(f"/api/v1/habits/{habit_id}/")
        assert client.get("/api/v1/habits/").json()["count"] == 0


def test_a_cached_list_turns_to_the_next_health_milestone_on_time(user):
    smoker = make_habit(user, kind="quit", now=at(MON, 8))
    with time_machine.travel(at(MON, 9), tick=False):
        client = client_for(user)
        client.post(f"/api/v1/habits/{smoker.pk}/logs/", {"count": 1}, format="json")
        health = client.get("/api/v1/habits/").json()["results"][0]["metrics"]["health"]
        assert (health["reached"], health["next"]["label"]) == (None, "20 minutes")
    with time_machine.travel(at(MON, 9, 20), tick=False):
        health = client_for(user).get("/api/v1/habits/").json()["results"][0]["metrics"]["health"]
        assert (health["reached"]["label"], health["next"]["label"]) == ("20 minutes", "8 hours")


def test_the_habit_rendering_equals_what_its_declared_fields_render(user):
    """HabitSerializer builds its output directly, for speed: the schema's fields must agree."""
    from rest_framework import serializers

    from apps.habits.selectors import habits_with_metrics
    from apps.habits.serializers import HabitMetricsSerializer, HabitSerializer

    build = make_habit(user, schedule_type="weekdays", schedule_days=[1, 3], unit="pages", now=at(MON))
    smoke = make_habit(user, kind="quit", baseline_per_day=10, cost_per_unit="0.45", now=at(MON))
    check_in(user, build, now=at(MON + timedelta(days=1)))
    for habit in habits_with_metrics([build, smoke], user=user, now=at(MON + timedelta(days=1), 9)):
        fast = HabitSerializer(habit).data
        generic = serializers.Serializer.to_representation(HabitSerializer(), habit)
        metrics_fields = HabitMetricsSerializer().fields
        generic["metrics"] = {
            name: field.to_representation(value) if value is not None else None
            for name, value in habit.metrics.items()
            for field in [metrics_fields[name]]
        }
        assert fast == generic
