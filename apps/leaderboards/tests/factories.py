from datetime import date, datetime

from django.utils import timezone

from apps.friends.models import Friendship
from apps.stats.sql import daily_activity_add


def earn(user, day: date, xp: int, at: datetime | None = None) -> None:
    """`xp` earned by `user` on their local day `day`, the change made at `at` (the
    reward path's own write to the daily rows)."""
    daily_activity_add(user_id=user.pk, day=day, deltas={"xp_earned": xp}, at=at or timezone.now())


def befriend(a, b) -> None:
    Friendship.objects.create(user=a, friend=b)
    Friendship.objects.create(user=b, friend=a)
