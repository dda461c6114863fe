"""The habits part of `me/export/` and account deletion."""
from decimal import Decimal

from .models import Habit, HabitCheckIn, QuitDaySettlement, QuitLog

HABIT_FIELDS = (
    "id", "title", "description", "kind", "difficulty", "schedule_type", "schedule_days", "schedule_times",
    "schedule_every", "start_date", "target_per_day", "unit", "baseline_per_day", "cost_per_unit", "archived",
    "created_at", "updated_at", "total_check_ins", "streak_current", "streak_longest", "streak_period",
    "settled_through", "clean_streak", "longest_clean_streak", "money_saved", "last_unit_at",
)


def _plain(row: dict) -> dict:
    """Dates and times as ISO 8601, money as a decimal string: what JSON can carry as it is."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[key] = value
    return out


def export(user) -> dict:
    habits = Habit.objects.filter(user=user)
    return {
        "habits": (_plain(row) for row in habits.order_by("created_at", "id").values(*HABIT_FIELDS).iterator(chunk_size=500)),
        "check_ins": (
            _plain(row)
            for row in HabitCheckIn.objects.filter(habit__user=user)
            .order_by("habit_id", "date", "seq")
            .values("habit_id", "date", "seq", "made_on", "reward_xp", "reward_coins", "created_at")
            .iterator(chunk_size=500)
        ),
        "quit_logs": (
            _plain(row)
            for row in QuitLog.objects.filter(habit__user=user)
            .order_by("habit_id", "occurred_at", "id")
            .values("habit_id", "date", "occurred_at", "count", "created_at")
            .iterator(chunk_size=500)
        ),
        "quit_days_settled": (
            _plain(row)
            for row in QuitDaySettlement.objects.filter(habit__user=user)
            .order_by("habit_id", "date")
            .values("habit_id", "date", "units", "clean", "xp", "coins", "money_saved", "clean_streak", "settled_at")
            .iterator(chunk_size=500)
        ),
    }


def on_delete(user) -> None:
    """Nothing to release: habits and their history cascade with the user; the ledger goes with the account."""
