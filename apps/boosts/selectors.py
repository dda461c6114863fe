"""Which boosts apply: expiry is by time alone, so no job is needed."""
from decimal import Decimal

from django.utils import timezone

from .models import ActiveBoost

ONE = Decimal("1")


def active_boosts_for_user(*, user_id: int, now=None):
    """Boosts that apply at `now`."""
    now = now or timezone.now()
    return ActiveBoost.objects.filter(user_id=user_id, expires_at__gt=now, started_at__lte=now).order_by("expires_at")


def active_multipliers(*, user_id: int, now=None) -> dict[str, Decimal]:
    """{"xp": m, "coins": m}: the boost rule (one active boost per type; 1 where none is)."""
    multipliers = {"xp": ONE, "coins": ONE}
    for boost_type, multiplier in active_boosts_for_user(user_id=user_id, now=now).values_list("type", "multiplier"):
        multipliers[boost_type] = max(multipliers[boost_type], multiplier)
    return multipliers
