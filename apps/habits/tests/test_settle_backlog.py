"""`run_daily_jobs` settling a backlog: several users, habits and days with mixed outcomes (smoke-free,
cut down, over the baseline, no log) pay exactly what the contract's quit-day rules say, once, and a
run that fails halfway loses nothing. The expected figures are worked out by hand below from the
contract (API.md, Game rules: logged 5 XP 1 coin; clean +20 XP 5 coins; +2 coins per unit under
the baseline, at most 20; levels at 100, 250, 450 XP paying 10 x L coins), not from the code."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.achievements.models import UserAchievement
from apps.habits import jobs
from apps.habits.models import Habit, QuitDaySettlement, QuitLog
from apps.habits.settlement import quit_days_settle_due
from apps.inventory.models import InventoryItem
from apps.notifications.models import Notification
from apps.progression.services import UserProgressService
from apps.progression.tests.factories import assert_balances_match_ledger
from apps.stats.models import DailyActivity, StatCounter
from apps.wallet.models import LedgerEntry, Wallet

from .factories import at, make_habit

pytestmark = pytest.mark.django_db

D0 = date(2024, 6, 3)
NOW = at(D0 + timedelta(days=8), 12)  # local day 8 for every user below: days 0-7 are over


def d(n: int) -> date:
    return D0 + timedelta(days=n)


def utc(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def backlog(make_user):
    """Days 0-7 logged and not settled yet (logs written directly, as a request on each day would
    have left them; every habit created on day 0, local noon or later for everyone)."""
    call_command("seed", verbosity=0)
    ann = make_user("ann")  # UTC
    bo = make_user("bo", timezone="Asia/Tokyo")
    cy = make_user("cy", timezone="America/New_York", day_start_hour=4)
    dee = make_user("dee", timezone="Europe/Berlin")
    habits = {
        "ann1": make_habit(ann, kind="quit", now=at(D0, 12), baseline_per_day=10, cost_per_unit="0.50"),
        "ann2": make_habit(ann, kind="quit", now=at(D0, 12)),  # no baseline, no cost
        "bo": make_habit(bo, kind="quit", now=at(D0, 12), baseline_per_day=5, cost_per_unit="1.00"),
        "cy": make_habit(cy, kind="quit", now=at(D0, 12), baseline_per_day=20, cost_per_unit="0.25"),
        "cy_build": make_habit(cy, now=at(D0, 12)),
        "dee": make_habit(dee, kind="quit", now=at(D0, 12), baseline_per_day=10),  # never logged
    }
    logs = {  # habit: {day: [counts of that day's logs]}
        "ann1": {0: [0], 1: [3], 3: [0, 0], 4: [12]},
        "ann2": {0: [2], 1: [0], 2: [0], 4: [0]},
        "bo": {n: [0, 0] if n == 2 else [0] for n in range(8)},
        "cy": {0: [5], 1: [25], 3: [10, 9]},
    }
    QuitLog.objects.bulk_create(
        QuitLog(habit=habits[name], date=d(n), occurred_at=at(d(n), 12), count=count, created_at=at(d(n), 12))
        for name, days in logs.items()
        for n, counts in days.items()
        for count in counts
    )
    return {"users": {"ann": ann, "bo": bo, "cy": cy, "dee": dee}, "habits": habits}


# Each settled day: (day, units, clean, xp, coins, money saved, clean streak after it).
SETTLED = {
    "ann1": [  # baseline 10 at 0.50
        (0, 0, True, 25, 26, "5.00", 1),  # 1 + 5 + min(20, 2 x 10)
        (1, 3, False, 5, 15, "3.50", 0),  # cut down: 1 + 2 x 7
        (3, 0, True, 25, 26, "5.00", 1),  # day 2 not logged: no row, the streak neither grows nor breaks
        (4, 12, False, 5, 1, "0.00", 0),  # over the baseline: logged only
    ],
    "ann2": [  # no baseline
        (0, 2, False, 5, 1, "0.00", 0),
        (1, 0, True, 25, 6, "0.00", 1),
        (2, 0, True, 25, 6, "0.00", 2),
        (4, 0, True, 25, 6, "0.00", 3),
    ],
    "bo": [(n, 0, True, 25, 16, "5.00", n + 1) for n in range(8)],  # baseline 5 at 1.00: 1 + 5 + 10
    "cy": [  # baseline 20 at 0.25
        (0, 5, False, 5, 21, "3.75", 0),  # 1 + min(20, 2 x 15)
        (1, 25, False, 5, 1, "0.00", 0),
        (3, 19, False, 5, 3, "0.25", 0),  # two logs, 10 + 9
    ],
    "dee": [],
}
# The habit row afterwards: (clean_streak, longest_clean_streak, money_saved, next_settle_at: the end
# of local day 8, when day 8 can be settled).
HABITS = {
    "ann1": (0, 1, "13.50", utc(d(9), 0)),
    "ann2": (3, 3, "0.00", utc(d(9), 0)),
    "bo": (8, 8, "40.00", utc(d(8), 15)),  # Tokyo: UTC+9
    "cy": (0, 0, "4.00", utc(d(9), 8)),  # New York in June, UTC-4, days starting at 04:00
    "dee": (0, 0, "0.00", utc(d(8), 22)),  # Berlin in June, UTC+2
}
# Each user's ledger, in order: (currency, amount, balance_after, reason, ref). A user's days are paid
# as one row per currency (ref: first..last logged day), then levels and achievements follow.
ANN_DAYS, BO_DAYS, CY_DAYS = "quit:2024-06-03..2024-06-07", "quit:2024-06-03..2024-06-10", "quit:2024-06-03..2024-06-06"
FIRST_CLEAN, CLEAN_7 = "achievement:quit-first-clean-day", "achievement:quit-clean-7"
LEDGER = {
    "ann": [
        ("xp", 140, 140, "quit_day_settled", ANN_DAYS),  # 60 + 80
        ("coins", 87, 87, "quit_day_settled", ANN_DAYS),  # 68 + 19
        ("coins", 20, 107, "level_up", "level:2"),  # 140 XP: level 2
        ("xp", 50, 190, "achievement", FIRST_CLEAN),
        ("coins", 50, 157, "achievement", FIRST_CLEAN),
    ],
    "bo": [
        ("xp", 200, 200, "quit_day_settled", BO_DAYS),
        ("coins", 128, 128, "quit_day_settled", BO_DAYS),
        ("coins", 20, 148, "level_up", "level:2"),
        ("xp", 50, 250, "achievement", FIRST_CLEAN),
        ("coins", 50, 198, "achievement", FIRST_CLEAN),
        ("xp", 300, 550, "achievement", CLEAN_7),  # 8 clean days in a row
        ("coins", 300, 498, "achievement", CLEAN_7),
        ("coins", 30, 528, "level_up", "level:3"),  # 550 XP: level 4
        ("coins", 40, 568, "level_up", "level:4"),
    ],
    "cy": [("xp", 15, 15, "quit_day_settled", CY_DAYS), ("coins", 25, 25, "quit_day_settled", CY_DAYS)],
    "dee": [],
}
WALLETS = {"ann": (190, 157, 0, 2), "bo": (550, 568, 0, 4), "cy": (15, 25, 0, 1), "dee": (0, 0, 0, 1)}
COUNTERS = {  # no row for a counter that never moved
    "ann": {"quit_clean_days": 5, "quit_clean_streak": 3, "xp_earned": 190, "coins_earned": 157},
    "bo": {"quit_clean_days": 8, "quit_clean_streak": 8, "xp_earned": 550, "coins_earned": 568},
    "cy": {"xp_earned": 15, "coins_earned": 25},
    "dee": {},
}
DAYS = {"ann": [(d(4), 190, 157)], "bo": [(d(7), 550, 568)], "cy": [(d(3), 15, 25)], "dee": []}  # the latest paid day
ACHIEVEMENTS = {"ann": {"quit-first-clean-day"}, "bo": {"quit-first-clean-day", "quit-clean-7"}, "cy": set(), "dee": set()}
NOTIFICATIONS = {
    "ann": [
        ("achievement_unlocked", {"code": "quit-first-clean-day", "title": "First Smoke-Free Day"}),
        ("level_up", {"level": 2}),
    ],
    "bo": [
        ("achievement_unlocked", {"code": "quit-first-clean-day", "title": "First Smoke-Free Day"}),
        ("achievement_unlocked", {"code": "quit-clean-7", "title": "7-Day Smoke-Free Streak"}),
        ("level_up", {"level": 4}),
    ],
    "cy": [],
    "dee": [],
}


def assert_settled_as_the_rules_say(backlog) -> None:
    users, habits = backlog["users"], backlog["habits"]
    for name, days in SETTLED.items():
        rows = QuitDaySettlement.objects.filter(habit=habits[name]).order_by("date")
        assert [(r.date, r.units, r.clean, r.xp, r.coins, r.money_saved, r.clean_streak) for r in rows] == [
            (d(n), units, clean, xp, coins, Decimal(saved), streak) for n, units, clean, xp, coins, saved, streak in days
        ], name
        habit = Habit.objects.get(pk=habits[name].pk)
        clean, longest, saved, next_at = HABITS[name]
        assert (habit.settled_through, habit.clean_streak, habit.longest_clean_streak, habit.money_saved, habit.next_settle_at) == (
            d(7), clean, longest, Decimal(saved), next_at
        ), name
    build = Habit.objects.get(pk=habits["cy_build"].pk)
    assert (build.settled_through, build.next_settle_at) == (d(-1), None)  # the job leaves build habits alone

    for name, user in users.items():
        ledger = LedgerEntry.objects.filter(user=user).order_by("id")
        assert [(e.currency, e.amount, e.balance_after, e.reason, e.ref) for e in ledger] == LEDGER[name], name
        wallet = Wallet.objects.get(user=user)
        assert (wallet.xp, wallet.coins, wallet.crystals, wallet.max_level_rewarded) == WALLETS[name], name
        assert_balances_match_ledger(user.pk)
        assert dict(StatCounter.objects.filter(user=user).values_list("key", "value")) == COUNTERS[name], name
        daily = DailyActivity.objects.filter(user=user).order_by("date")
        assert [(row.date, row.xp_earned, row.coins_earned) for row in daily] == DAYS[name], name
        assert all((row.tasks_completed, row.habit_check_ins, row.quit_logs) == (0, 0, 0) for row in daily)
        unlocked = set(UserAchievement.objects.filter(user=user).values_list("achievement__code", flat=True))
        assert unlocked == ACHIEVEMENTS[name], name
        notes = Notification.objects.filter(user=user).order_by("id")
        assert [(n.kind, n.payload) for n in notes] == NOTIFICATIONS[name], name
    assert not InventoryItem.objects.exists()  # no quit achievement grants an item


def snapshot() -> tuple:
    return (
        list(LedgerEntry.objects.order_by("id").values_list("id", "amount")),
        list(QuitDaySettlement.objects.order_by("id").values_list("id", flat=True)),
        list(StatCounter.objects.order_by("id").values_list("id", "value")),
        list(Notification.objects.order_by("id").values_list("id", flat=True)),
    )


def test_a_mixed_backlog_is_paid_as_the_rules_say_and_a_second_run_settles_nothing(backlog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = jobs.run_daily(now=NOW)
    assert summary == "19 quit days settled and paid to 3 users (5 habits closed up to yesterday)"
    assert_settled_as_the_rules_say(backlog)

    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.run_daily(now=NOW + timedelta(minutes=5))
    assert again.startswith("0 quit days settled and paid to 0 users")
    assert snapshot() == before


def test_a_run_that_fails_halfway_keeps_the_chunks_it_committed_and_the_next_run_settles_the_rest(
    backlog, monkeypatch, django_capture_on_commit_callbacks
):
    """Chunks of two users: ann and bo, then cy and dee. Paying cy fails once: the second
    chunk rolls back whole (dee's closed days too), the first stays."""
    cy = backlog["users"]["cy"]
    apply = UserProgressService.apply
    failures = []

    def apply_failing_once_for_cy(self, event):
        if self.user_id == cy.pk and not failures:
            failures.append(event)
            raise RuntimeError("the worker died")
        return apply(self, event)

    monkeypatch.setattr(UserProgressService, "apply", apply_failing_once_for_cy)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        quit_days_settle_due(now=NOW, batch_users=2)
    assert set(QuitDaySettlement.objects.values_list("habit__user__username", flat=True)) == {"ann", "bo"}
    assert not LedgerEntry.objects.filter(user=cy).exists()
    assert Habit.objects.get(pk=backlog["habits"]["dee"].pk).settled_through == d(-1)

    with django_capture_on_commit_callbacks(execute=True):
        totals = quit_days_settle_due(now=NOW, batch_users=2)
    assert (totals.days, totals.users, totals.habits) == (3, 1, 2)  # cy's three days; cy's and dee's habits
    assert_settled_as_the_rules_say(backlog)
