"""Habits made the way the API makes them (start day, settled_through), and history rows in bulk."""
from datetime import UTC, date, datetime, timedelta

from apps.habits.models import Habit, HabitCheckIn, QuitLog
from apps.habits.services import habit_check_in, habit_create, quit_log_create


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of a day, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def make_habit(user, *, kind: str = "build", now: datetime | None = None, title: str | None = None, **fields) -> Habit:
    return habit_create(user=user, title=title or f"A {kind} habit", kind=kind, now=now, **fields)


def check_in(user, habit, *, now: datetime, day: date | None = None):
    return habit_check_in(user=user, habit_id=habit.pk, day=day, now=now)


def log(user, habit, count: int, *, now: datetime, occurred_at: datetime | None = None):
    return quit_log_create(user=user, habit_id=habit.pk, count=count, occurred_at=occurred_at, now=now)


def backfill(habit: Habit, *, days: int, end: date) -> None:
    """`days` days of history ending `end`, written directly (no rewards): a check-in a day
    for a build habit, a log of 1 unit a day for a quit habit."""
    first = end - timedelta(days=days - 1)
    moments = [first + timedelta(days=n) for n in range(days)]
    if habit.kind == Habit.Kind.BUILD:
        HabitCheckIn.objects.bulk_create(
            HabitCheckIn(habit=habit, date=day, seq=1, made_on=day, reward_xp=10, reward_coins=3, created_at=at(day))
            for day in moments
        )
    else:
        QuitLog.objects.bulk_create(
            QuitLog(habit=habit, date=day, occurred_at=at(day), count=1, created_at=at(day)) for day in moments
        )
    Habit.objects.filter(pk=habit.pk).update(start_date=min(habit.start_date, first))
