from datetime import date, timedelta

from .models import DailyActivity, StatCounter

# The counters the contract lists; `stats/` shows these (0 when never touched)
# plus any other key a later app writes.
CONTRACT_COUNTERS = (
    "tasks_completed",
    "tasks_completed_on_time",
    "habit_check_ins",
    "quit_clean_days",
    "dreams_completed",
    "items_bought",
    "items_equipped",
    "trades_completed",
    "roulette_spins",
    "friends",
    "xp_earned",
    "coins_earned",
    "coins_spent",
    "longest_streak",
)

DAILY_API_FIELDS = ("tasks_completed", "habit_check_ins", "xp_earned", "coins_earned")


def stats_for_user(*, user) -> dict[str, int]:
    """The contract's counters (0 when never touched) plus any other key an app wrote: one query."""
    values = dict.fromkeys(CONTRACT_COUNTERS, 0)
    values.update(StatCounter.objects.filter(user=user).values_list("key", "value"))
    return values


def daily_activity_get(*, user_id: int, day: date, field: str) -> int:
    """One field of the user's row for a local day (0 while the day has no row)."""
    return sum(DailyActivity.objects.filter(user_id=user_id, date=day).values_list(field, flat=True))


def stat_values(*, user_id: int, keys) -> dict[str, int]:
    found = dict(StatCounter.objects.filter(user_id=user_id, key__in=list(keys)).values_list("key", "value"))
    return {key: found.get(key, 0) for key in keys}


def daily_activity_range(*, user, start: date, end: date) -> list[dict]:
    """One entry per local day in [start, end], zeros where nothing happened: one query."""
    rows = {
        row["date"]: row
        for row in DailyActivity.objects.filter(user=user, date__gte=start, date__lte=end).values("date", *DAILY_API_FIELDS)
    }
    out = []
    # Counted, not incremented past `end`: date.max + 1 day would overflow.
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = rows.get(day)
        out.append({"date": day, **{f: (row[f] if row else 0) for f in DAILY_API_FIELDS}})
    return out
