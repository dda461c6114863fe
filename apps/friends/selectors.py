"""Read-side questions other apps ask about friendships and blocks, and the lists of the API."""
from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import Block, FriendRequest, Friendship


def are_friends(user_id: int, other_id: int) -> bool:
    return Friendship.objects.filter(user_id=user_id, friend_id=other_id).exists()


def friend_ids(user_id: int) -> list[int]:
    return list(Friendship.objects.filter(user_id=user_id).values_list("friend_id", flat=True))


def blocked_between(user_id: int, other_id: int) -> bool:
    """True when either of the two has blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def hidden_user_ids(user_id: int) -> set[int]:
    """Ids of the players hidden from `user_id` by a block either way (for search and
    profiles; a player's block list is short)."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).order_by().values_list("blocker_id", "blocked_id")
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


def friendships_for_user(*, user_id: int):
    """The user's friendships, by the friend's username (the friend is loaded by
    `with_profiles`, a fixed number of queries per page)."""
    return Friendship.objects.filter(user_id=user_id).order_by("friend__username", "friend_id")


def friend_requests_for_user(*, user_id: int, direction: str):
    """Pending requests `incoming` to the user or `outgoing` from it, newest first."""
    mine = {"from_user_id": user_id} if direction == "outgoing" else {"to_user_id": user_id}
    return FriendRequest.objects.filter(status=FriendRequest.Status.PENDING, **mine).order_by("-created_at", "-id")


def blocks_for_user(*, user_id: int):
    """The players the user blocked, newest first."""
    return Block.objects.filter(blocker_id=user_id).order_by("-created_at", "-id")


def visible_users(*, viewer_id: int):
    """Active players the viewer may see: not hidden by a block either way."""
    users = get_user_model().objects.filter(is_active=True)
    hidden = hidden_user_ids(viewer_id)
    return users.exclude(pk__in=hidden) if hidden else users
