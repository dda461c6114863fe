"""Settle streaks whose missed days are due: use held streak freezes or break the streak.

The same settlement also happens lazily on the user's next activity, and
readers (`streak/`, profiles) already show a broken streak as 0; this job makes
the stored state and the freeze inventory catch up. Idempotent: a settled
streak has nothing missed until another day passes.

Set-based: candidates are read in batches of users, ascending; per batch one
transaction locks their wallets, then their streaks (the global lock order), and
breaks with one UPDATE every streak whose missed days no held freeze can pay for
(the rule: apps/streaks/rules.py). Only users who hold freezes are settled one by
one: using a freeze moves their inventory and its ledger.
"""
from datetime import UTC

from django.db import transaction
from django.db.models import Q

from apps.core.localday import local_date
from apps.core.user_version import user_version_bump
from apps.inventory.services import streak_freezes_held_by_user
from apps.wallet.locks import lock_wallets

from .models import Streak
from .rules import days_missed, streak_on
from .services import streak_settle

BATCH_USERS = 500


def run_daily(*, now) -> str:
    # A local day is at most one day ahead of UTC (UTC+14), so a streak needs
    # settling only if its last paid day is before UTC's today; the exact test
    # runs per user, on their local day.
    horizon = now.astimezone(UTC).date()
    checked = settled = broken = 0
    after = 0
    while True:
        batch = list(
            Streak.objects.filter(current__gt=0, last_active_date__lt=horizon, user_id__gt=after)
            .filter(Q(frozen_through__isnull=True) | Q(frozen_through__lt=horizon))
            .select_related("user")
            .order_by("user_id")[:BATCH_USERS]
        )
        if not batch:
            break
        after = batch[-1].user_id
        checked += len(batch)
        today = {streak.user_id: local_date(streak.user, now) for streak in batch}
        due = [streak.user_id for streak in batch if days_missed(streak, today=today[streak.user_id])]
        if due:
            batch_settled, batch_broken = _settle_batch(today={user_id: today[user_id] for user_id in due}, now=now)
            settled += batch_settled
            broken += batch_broken
        if len(batch) < BATCH_USERS:
            break
    return f"{checked} streaks checked, {settled} settled ({broken} broken, {settled - broken} kept by freezes)"


def _settle_batch(*, today: dict, now) -> tuple[int, int]:
    """Settle the missed days of these users' streaks (`{user_id: local today}`): (settled, broken)."""
    with transaction.atomic():
        lock_wallets(user_ids=today)  # the global lock order: wallets -> streaks -> inventory rows
        streaks = list(Streak.objects.select_for_update().filter(user_id__in=list(today)).order_by("user_id"))
        held = streak_freezes_held_by_user(user_ids=today)
        missed = [streak for streak in streaks if days_missed(streak, today=today[streak.user_id])]
        # No freeze to use: the rule breaks them, all at once.
        breaking = [
            s.user_id for s in missed if s.user_id not in held and streak_on(s, today=today[s.user_id], freezes_held=0) == 0
        ]
        if breaking:
            Streak.objects.filter(user_id__in=breaking).update(current=0, updated_at=now)
            for user_id in breaking:
                user_version_bump(user_id)
        broken = len(breaking)
        freezers = [s.user_id for s in missed if s.user_id in held]
        for user_id in freezers:
            streak_settle(user_id=user_id, today=today[user_id])
        if freezers:
            broken += Streak.objects.filter(user_id__in=freezers, current=0).count()
    return len(breaking) + len(freezers), broken
