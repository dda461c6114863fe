"""The daily activity streak, on the user's local day.

Rules (contract, Game rules): a local day with >= 1 completed task, habit
check-in or quit-habit log is active; consecutive active days form the streak.
Each missed day consumes one held streak freeze if there is one (the frozen day
keeps the streak alive but does not add to it); a missed day with no freeze
left breaks it, and it restarts at the next active day. Missed days are settled
lazily on the next activity (or by `run_daily_jobs`), the same way either path:
`frozen_through` remembers the days already paid for with freezes.

Called by UserProgressService with the user's wallet locked.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.core.fastsql import fetch_all, fetch_one
from apps.inventory.services import streak_freezes_consume, streak_freezes_held

from .models import Streak, StreakMilestoneClaim


@dataclass
class StreakUpdate:
    current: int
    extended: bool
    milestone: int | None
    longest_delta: int


def milestones() -> dict[int, dict[str, int]]:
    return settings.DREAMTRACK_STREAK_MILESTONES


def lock_streak(*, user_id: int) -> Streak:
    streak = fetch_one(Streak, for_update=True, user_id=user_id)
    if streak is not None:
        return streak
    try:
        with transaction.atomic():
            return Streak.objects.create(user_id=user_id)
    except IntegrityError:
        return Streak.objects.select_for_update().get(user_id=user_id)


def _settle_missed_days(streak: Streak, *, until: date) -> list[str]:
    """Settle the missed days before `until`: freezes first, else the streak breaks."""
    if streak.last_active_date is None or streak.current == 0:
        return []
    paid_through = max(streak.last_active_date, streak.frozen_through or streak.last_active_date)
    missed = (until - paid_through).days - 1
    if missed <= 0:
        return []
    used = streak_freezes_consume(user_id=streak.user_id, count=missed, ref=f"streak:{until.isoformat()}")
    fields = []
    if used:
        streak.freezes_used += used
        streak.frozen_through = paid_through + timedelta(days=used)
        fields += ["freezes_used", "frozen_through"]
    if used < missed:
        streak.current = 0
        fields.append("current")
    return fields


def streak_register_activity(*, user_id: int, day: date) -> StreakUpdate:
    """Count `day` (a local date) as active. Idempotent for a day already counted."""
    streak = lock_streak(user_id=user_id)
    if streak.last_active_date is not None and day <= streak.last_active_date:
        # Already counted (or a late check-in for a past day): the streak stands.
        return StreakUpdate(streak.current, False, None, 0)
    _settle_missed_days(streak, until=day)
    streak.current += 1
    streak.last_active_date = day
    longest_before = streak.longest
    streak.longest = max(streak.longest, streak.current)
    streak.save(update_fields=["current", "longest", "last_active_date", "freezes_used", "frozen_through", "updated_at"])
    milestone = None
    if streak.current in milestones():
        try:
            with transaction.atomic():
                StreakMilestoneClaim.objects.create(user_id=user_id, days=streak.current)
            milestone = streak.current
        except IntegrityError:
            milestone = None  # paid earlier in this user's lifetime
    return StreakUpdate(streak.current, True, milestone, streak.longest - longest_before)


_READ_COLUMNS = ("last_active_date", "current", "frozen_through")


def streak_reads(*, user_id: int) -> tuple[tuple[str, list], ...]:
    """Scalar subqueries (sql, params) for the streak's last active date, current count and
    frozen-through date, for a caller that evaluates them inside a statement it runs anyway.
    That statement must start after the caller took the user's wallet lock (every streak
    writer holds it), so that it sees the streak as the last writer left it."""
    from apps.core.fastsql import sql_once

    statements = sql_once(
        "streak-reads",
        lambda q: tuple(
            f"SELECT {q(column)} FROM {q(Streak._meta.db_table)} WHERE {q('user_id')} = %s" for column in _READ_COLUMNS
        ),
    )
    return tuple((sql, [user_id]) for sql in statements)


def streak_from_reads(*, user_id: int, values) -> Streak | None:
    """An unsaved Streak with the values of `streak_reads` (for reading only), or None when
    the user has no streak row."""
    last_active, current, frozen_through = (
        date.fromisoformat(v) if isinstance(v, str) else v for v in values  # SQLite: a subquery's date is text
    )
    if current is None:
        return None
    return Streak(user_id=user_id, last_active_date=last_active, current=current, frozen_through=frozen_through)


def streak_counted_already(values, *, day: date) -> StreakUpdate | None:
    """What `streak_register_activity` answers for a day already counted, from the streak's
    (last_active_date, current) (read under the caller's wallet lock, which every streak writer
    holds: the streak row cannot change meanwhile, so it needs no lock of its own);
    None when the day is not counted yet (then call streak_register_activity)."""
    last_active, current = values[:2]
    if isinstance(last_active, str):  # SQLite returns a subquery's date as text
        last_active = date.fromisoformat(last_active)
    if last_active is not None and current is not None and day <= last_active:
        return StreakUpdate(current, False, None, 0)
    return None


def streak_settle(*, user_id: int, today: date) -> bool:
    """Settle missed days up to `today` (used by run_daily_jobs). True if anything changed."""
    streak = lock_streak(user_id=user_id)
    fields = _settle_missed_days(streak, until=today)
    if fields:
        streak.save(update_fields=[*fields, "updated_at"])
    return bool(fields)


def current_streak_on(streak: Streak | None, *, today: date, freezes_held: int) -> int:
    """What the streak is on `today`, seen on read without waiting for a job."""
    if streak is None or streak.last_active_date is None or streak.current == 0:
        return 0
    paid_through = max(streak.last_active_date, streak.frozen_through or streak.last_active_date)
    missed = (today - paid_through).days - 1
    if missed <= 0 or missed <= freezes_held:
        return streak.current
    return 0


_UNREAD = object()


def streak_current_today(*, user_id: int, today: date, streak=_UNREAD) -> int:
    """The streak as a reader sees it on `today` (the freezes query only when days were missed).
    `streak`: the user's row (or None) when the caller has read it already."""
    if streak is _UNREAD:
        streak = fetch_one(Streak, user_id=user_id)
    if streak is None or streak.last_active_date is None or streak.current == 0:
        return 0
    paid_through = max(streak.last_active_date, streak.frozen_through or streak.last_active_date)
    if (today - paid_through).days <= 1:
        return streak.current
    return current_streak_on(streak, today=today, freezes_held=streak_freezes_held(user_id=user_id))


def next_milestone(*, user_id: int, current: int) -> dict | None:
    claimed = {claim.days for claim in fetch_all(StreakMilestoneClaim, user_id=user_id)}
    for days in sorted(milestones()):
        if days > current and days not in claimed:
            reward = milestones()[days]
            return {"days": days, "xp": reward["xp"], "coins": reward["coins"], "crystals": reward.get("crystals", 0)}
    return None


__all__ = [
    "StreakUpdate",
    "lock_streak",
    "streak_register_activity",
    "streak_settle",
    "current_streak_on",
    "streak_current_today",
    "next_milestone",
    "streak_freezes_held",
]
