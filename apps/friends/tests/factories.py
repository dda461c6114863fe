"""Helpers for the social tests: friendships made through the real services."""
from apps.achievements.models import Achievement
from apps.notifications.models import Notification
from apps.stats.models import StatCounter

from ..services import friend_request_accept, friend_request_create


def befriend(a, b):
    """a asks, b accepts: friends through the API's services."""
    request, _ = friend_request_create(user=a, user_id=b.pk)
    return friend_request_accept(user=b, request_id=request.pk)[0]


def friends_stat(user) -> int:
    row = StatCounter.objects.filter(user=user, key="friends").first()
    return row.value if row else 0


def friend_achievements():
    """The seeded friend-count achievements (as apps/achievements/seed.py defines them)."""
    return [
        Achievement.objects.create(code="first-friend", title="Better Together", trigger="friends", threshold=1, reward_xp=20, reward_coins=10),
        Achievement.objects.create(code="friends-10", title="Circle of Ten", trigger="friends", threshold=10, reward_xp=100, reward_coins=50),
    ]


def kinds(user) -> list[str]:
    """The user's notification kinds, oldest first."""
    return list(Notification.objects.filter(user=user).order_by("created_at", "id").values_list("kind", flat=True))
