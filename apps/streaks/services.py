"""Writes of the daily streak (the rule itself: apps/streaks/rules.py).

Missed days are settled lazily on the next activity, or by `run_daily_jobs`, the same
way on either path. Every function here runs with the user's wallet locked (the
global lock order: wallet -> streak -> inventory rows).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.core.user_version import user_version_bump
from apps.inventory.services import streak_freezes_consume, streak_freezes_held

from .models import Streak, StreakMilestoneClaim
from .rules import days_missed, paid_through, streak_on


@dataclass
class StreakUpdate:
    current: int
    extended: bool
    milestone: int | None  # the milestone this day reached for the first time in the user's life
    longest_delta: int


def lock_streak(*, user_id: int) -> Streak:
    """Lock (creating if needed) the user's streak row."""
    try:
        return Streak.objects.select_for_update().get(user_id=user_id)
    except Streak.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Streak.objects.create(user_id=user_id)
    except IntegrityError:
        return Streak.objects.select_for_update().get(user_id=user_id)


def _settle_missed_days(streak: Streak, *, today: date) -> list[str]:
    """Pay for the missed days before `today` with freezes, else break the streak; the changed fields."""
    missed = days_missed(streak, today=today)
    if not missed:
        return []
    used = streak_freezes_consume(user_id=streak.user_id, count=missed, ref=f"streak:{today.isoformat()}")
    fields = []
    if used:
        streak.freezes_used += used
        streak.frozen_through = paid_through(streak) + timedelta(days=used)
        fields += ["freezes_used", "frozen_through"]
    if used < missed:
        streak.current = 0
        fields.append("current")
    return fields


def streak_register_activity(*, user_id: int, day: date) -> StreakUpdate:
    """Count the local day `day` as active. A day already counted (or earlier) changes nothing."""
    streak = lock_streak(user_id=user_id)
    if streak.last_active_date is not None and day <= streak.last_active_date:
        return StreakUpdate(streak.current, False, None, 0)
    _settle_missed_days(streak, today=day)
    longest_before = streak.longest
    streak.current += 1
    streak.last_active_date = day
    streak.longest = max(streak.longest, streak.current)
    streak.save(update_fields=["current", "longest", "last_active_date", "freezes_used", "frozen_through", "updated_at"])
    milestone = None
    if streak.current in settings.DREAMTRACK_STREAK_MILESTONES:
        try:
            with transaction.atomic():
                StreakMilestoneClaim.objects.create(user_id=user_id, days=streak.current)
            milestone = streak.current
        except IntegrityError:
            pass  # paid earlier in this user's lifetime
    return StreakUpdate(streak.current, True, milestone, streak.longest - longest_before)


def streak_settle(*, user_id: int, today: date) -> bool:
    """Settle missed days up to `today` (run_daily_jobs). True if anything changed."""
    streak = lock_streak(user_id=user_id)
    fields = _settle_missed_days(streak, today=today)
    if fields:
        streak.save(update_fields=[*fields, "updated_at"])
        user_version_bump(user_id)
    return bool(fields)


def streak_current_today(*, user_id: int, today: date) -> int:
    """The streak as a reader sees it on `today` (the freezes are read only when days were missed)."""
    streak = Streak.objects.filter(user_id=user_id).first()
    if not days_missed(streak, today=today):
        return streak.current if streak is not None else 0
    return streak_on(streak, today=today, freezes_held=streak_freezes_held(user_id=user_id))
