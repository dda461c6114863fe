from decimal import Decimal

from django.utils import timezone

from .models import ActiveBoost

ONE = Decimal("1")


def active_boosts_for_user(*, user_id: int, now=None):
    """Boosts that apply at `now`: expiry is by time alone, no job needed."""
    now = now or timezone.now()
    return ActiveBoost.objects.filter(user_id=user_id, expires_at__gt=now, started_at__lte=now).order_by("expires_at")


def active_multipliers(*, user_id: int, now=None) -> dict[str, Decimal]:
    """{"xp": m, "coins": m}: 1 where no boost of that type is active."""
    from apps.core.fastsql import fetch_all

    now = now or timezone.now()
    multipliers = {"xp": ONE, "coins": ONE}
    # active_boosts_for_user's rows, without compiling the query (a hot path: every completion)
    for boost in fetch_all(ActiveBoost, user_id=user_id, expires_at__gt=now, started_at__lte=now):
        multipliers[boost.type] = max(multipliers.get(boost.type, ONE), boost.multiplier)
    return multipliers
