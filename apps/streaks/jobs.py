"""Settle streaks whose missed days are due: use held streak freezes or break the streak.

The same settlement also happens lazily on the user's next activity, and
readers (`streak/`, profiles) already show a broken streak as 0; this job makes
the stored state and the freeze inventory catch up. Idempotent: a settled
streak has nothing missed until another day passes.
"""
from datetime import UTC

from django.db import transaction
from django.db.models import Q

from apps.core.localday import local_date
from apps.wallet.locks import lock_wallet

from .models import Streak
from .rules import days_missed
from .services import streak_settle


def run_daily(*, now) -> str:
    # A local day is at most one day ahead of UTC (UTC+14), so a streak needs
    # settling only if its last paid day is before UTC's today; the exact test
    # runs per user, on their local day.
    horizon = now.astimezone(UTC).date()
    candidates = (
        Streak.objects.filter(current__gt=0, last_active_date__lt=horizon)
        .filter(Q(frozen_through__isnull=True) | Q(frozen_through__lt=horizon))
        .select_related("user")
        .order_by("user_id")
    )
    checked = settled = broken = 0
    for streak in candidates.iterator(chunk_size=500):
        user = streak.user
        today = local_date(user, now)
        checked += 1
        if not days_missed(streak, today=today):
            continue
        with transaction.atomic():
            lock_wallet(user_id=user.pk)  # the global lock order: wallet -> streak -> inventory rows
            if streak_settle(user_id=user.pk, today=today):
                settled += 1
                if not Streak.objects.filter(user_id=user.pk, current__gt=0).exists():
                    broken += 1
    return f"{checked} streaks checked, {settled} settled ({broken} broken, {settled - broken} kept by freezes)"
