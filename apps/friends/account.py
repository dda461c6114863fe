"""The friends part of `me/export/`, and what deleting an account owes the friends it leaves.

The rows cascade with the user; `on_delete` first takes 1 from each friend's `friends`
statistic, under the wallet locks of the user, its friends and the players it has a pending
request with (ascending ids, one pass).
"""
from django.db.models import F, Q

from apps.core.user_version import user_version_bump
from apps.stats.sql import counters_add
from apps.wallet.locks import lock_wallets

from .models import Block, FriendRequest, Friendship


def export(user) -> dict:
    return {
        "friends": Friendship.objects.filter(user=user)
        .order_by("created_at", "id")
        .values("friend_id", "created_at", username=F("friend__username"))
        .iterator(chunk_size=500),
        "requests_sent": FriendRequest.objects.filter(from_user=user)
        .order_by("created_at", "id")
        .values("id", "to_user_id", "status", "created_at", "responded_at")
        .iterator(chunk_size=500),
        "requests_received": FriendRequest.objects.filter(to_user=user)
        .order_by("created_at", "id")
        .values("id", "from_user_id", "status", "created_at", "responded_at")
        .iterator(chunk_size=500),
        "blocked": Block.objects.filter(blocker=user).order_by("created_at", "id").values("blocked_id", "created_at").iterator(chunk_size=500),
    }


def on_delete(user) -> None:
    """Each friend of the leaving user has one friend fewer."""
    friend_ids = list(Friendship.objects.filter(user=user).values_list("friend_id", flat=True))
    # With the wallets of whoever could become a friend meanwhile (a pending request either
    # way), which an accept locks too: an accept racing the deletion commits first and is
    # counted below, or waits and finds its request gone (404).
    pending = FriendRequest.objects.filter(Q(from_user=user) | Q(to_user=user), status=FriendRequest.Status.PENDING)
    others = {uid for pair in pending.values_list("from_user_id", "to_user_id") for uid in pair} - {user.pk}
    lock_wallets(user_ids=[user.pk, *friend_ids, *others])
    # Read again under the locks: a friendship may have ended or begun meanwhile. A late one
    # locks its friend's wallet after the others, out of the ascending order: rare enough to
    # accept (at worst PostgreSQL breaks a deadlock and the deletion is retried).
    current = sorted(Friendship.objects.filter(user=user).values_list("friend_id", flat=True))
    late = set(current) - set(friend_ids) - others
    if late:
        lock_wallets(user_ids=late)
    for friend_id in current:
        counters_add(user_id=friend_id, deltas={"friends": -1})
        user_version_bump(friend_id)
