"""Read-side questions other apps ask about friendships and blocks."""
from django.db.models import Q

from .models import Block, Friendship


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
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}
