from datetime import date

from .models import DailyActivity, StatCounter
from .services import CONTRACT_COUNTERS


def stats_for_user(*, user) -> dict[str, int]:
    values = dict.fromkeys(CONTRACT_COUNTERS, 0)
    values.update(StatCounter.objects.filter(user=user).values_list("key", "value"))
    return values


def stat_values(*, user_id: int, keys) -> dict[str, int]:
    found = dict(StatCounter.objects.filter(user_id=user_id, key__in=list(keys)).values_list("key", "value"))
    return {key: found.get(key, 0) for key in keys}


def daily_activity_range(*, user, start: date, end: date) -> list[dict]:
    """One entry per local day in [start, end], zeros where nothing happened."""
    rows = {
        row["date"]: row
        for row in DailyActivity.objects.filter(user=user, date__gte=start, date__lte=end).values(
            "date", "tasks_completed", "habit_check_ins", "xp_earned", "coins_earned"
        )
    }
    out = []
    day = start
    from datetime import timedelta

    while day <= end:
        row = rows.get(day)
        out.append(
            {
                "date": day,
                "tasks_completed": row["tasks_completed"] if row else 0,
                "habit_check_ins": row["habit_check_ins"] if row else 0,
                "xp_earned": row["xp_earned"] if row else 0,
                "coins_earned": row["coins_earned"] if row else 0,
            }
        )
        day += timedelta(days=1)
    return out
