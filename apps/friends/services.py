"""Friend requests, friendships and blocks.

Locks (the global order, apps/wallet/locks.py): every write that can make or end a
friendship locks both players' wallets first, in one ascending pass (`lock_wallets`),
then the request rows. A friendship moves the `friends` statistic of both players, and
statistics are written only under their owner's wallet lock; holding both wallets also
serializes everything between the same two players, so requests crossing each other,
two accepts of one request, or a block racing an accept each have one outcome. Declining
and cancelling change no friendship: they lock the request row alone.

The `friends` statistic counts current friends: +1 for both through the progress service
(so the friend-count achievements unlock on the normal path), -1 for both through the
statistics upsert when a friendship ends (a decrease unlocks nothing).
"""
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.user_version import user_version_bump
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.stats.sql import counters_add
from apps.wallet.locks import lock_wallets

from .exceptions import AlreadyFriends, BlockSelf, FriendRequestToSelf, RequestNotPending, RequestPending, UserBlocked
from .models import Block, FriendRequest, Friendship
from .selectors import are_friends, blocked_between
from .signals import user_blocked

User = get_user_model()
PENDING = FriendRequest.Status.PENDING


def _who(user) -> dict:
    """How a notification names a player (small: the client fetches the profile by id)."""
    return {"id": user.pk, "username": user.username}


def _active_user(*, user_id: int | None = None, username: str | None = None):
    """The active player with this id or (case-insensitive) username; else 404."""
    users = User.objects.filter(is_active=True)
    found = users.filter(pk=user_id).first() if user_id is not None else users.filter(username__iexact=username).first()
    if found is None:
        raise NotFound("No such player.")
    return found


def _pair(a: int, b: int) -> Q:
    """Friend requests between the two, either way."""
    return Q(from_user_id=a, to_user_id=b) | Q(from_user_id=b, to_user_id=a)


def _befriend(*, user, other, wallets, reason: str) -> RewardSummary:
    """Write both friendship rows and add 1 to both players' `friends` (their wallets are
    locked), which may unlock achievements; what `user` was granted."""
    Friendship.objects.bulk_create([Friendship(user=user, friend=other), Friendship(user=other, friend=user)])
    summaries = {}
    for one, two in sorted(((user, other), (other, user)), key=lambda pair: pair[0].pk):
        progress = UserProgressService(one)
        progress.lock(locked=wallets[one.pk])
        summaries[one.pk] = progress.apply(ProgressEvent(reason=reason, ref=f"user:{two.pk}", stats={"friends": 1}))
    return summaries[user.pk]


def _unfriend(*, user_id: int, other_id: int) -> bool:
    """Delete the friendship (both rows) if any and take 1 from both players' `friends`.
    The caller holds both wallets. True if they were friends."""
    deleted, _ = Friendship.objects.filter(Q(user_id=user_id, friend_id=other_id) | Q(user_id=other_id, friend_id=user_id)).delete()
    if not deleted:
        return False
    for one in sorted((user_id, other_id)):
        counters_add(user_id=one, deltas={"friends": -1})
        user_version_bump(one)
    return True


def friend_request_create(
    *, user, username: str | None = None, user_id: int | None = None
) -> tuple[FriendRequest, RewardSummary | None]:
    """Ask the player named by `username` or `user_id` to be friends: the request, and what
    `user` was granted (None while the request is pending).

    A request crossing one that player already sent `user` (still pending) makes them
    friends at once: both requests are accepted, and the returned one says so.
    Errors: unknown player 404; yourself 400; blocked either way, already friends, or a
    request of yours to them still pending: 409.
    """
    target = _active_user(user_id=user_id, username=username)
    if target.pk == user.pk:
        raise FriendRequestToSelf()
    with transaction.atomic():
        wallets = lock_wallets(user_ids=[user.pk, target.pk])
        if blocked_between(user.pk, target.pk):
            raise UserBlocked()
        if are_friends(user.pk, target.pk):
            raise AlreadyFriends()
        pending = list(FriendRequest.objects.select_for_update().filter(_pair(user.pk, target.pk), status=PENDING))
        if any(r.from_user_id == user.pk for r in pending):
            raise RequestPending()
        now = timezone.now()
        if not pending:
            request = FriendRequest.objects.create(from_user=user, to_user=target)
            notify(user_id=target.pk, kind=Notification.Kind.FRIEND_REQUEST, payload={"request_id": request.pk, "from_user": _who(user)})
            return request, None
        theirs = pending[0]
        theirs.status, theirs.responded_at = FriendRequest.Status.ACCEPTED, now
        theirs.save(update_fields=["status", "responded_at"])
        request = FriendRequest.objects.create(from_user=user, to_user=target, status=FriendRequest.Status.ACCEPTED, responded_at=now)
        summary = _befriend(user=user, other=target, wallets=wallets, reason="friend_added")
        # The other player's request is the one that was answered; `user` learns it from the response.
        notify(user_id=target.pk, kind=Notification.Kind.FRIEND_ACCEPTED, payload={"user": _who(user)})
        return request, summary


def friend_request_accept(*, user, request_id: int) -> tuple[FriendRequest, RewardSummary]:
    """The recipient accepts a pending request: the two become friends; the request and what
    `user` was granted. Not the recipient's: 404; no longer pending: 409 `request_not_pending`."""
    with transaction.atomic():
        sender_id = (
            FriendRequest.objects.filter(pk=request_id, to_user=user).values_list("from_user_id", flat=True).first()
        )
        if sender_id is None:
            raise NotFound()
        wallets = lock_wallets(user_ids=[user.pk, sender_id])
        request = FriendRequest.objects.select_for_update().select_related("from_user").filter(pk=request_id).first()
        if request is None:
            raise NotFound()  # gone with the sender's account while the wallets were awaited
        if request.status != PENDING:
            raise RequestNotPending()
        request.status, request.responded_at = FriendRequest.Status.ACCEPTED, timezone.now()
        request.save(update_fields=["status", "responded_at"])
        # A pending request means neither friends nor blocked: a block or a friendship
        # closes the pair's pending requests under these same locks.
        summary = _befriend(user=user, other=request.from_user, wallets=wallets, reason="friend_added")
        notify(user_id=sender_id, kind=Notification.Kind.FRIEND_ACCEPTED, payload={"user": _who(user)})
        return request, summary


def _close(*, request_id: int, mine: Q, status: str) -> FriendRequest:
    with transaction.atomic():
        request = FriendRequest.objects.select_for_update().filter(mine, pk=request_id).first()
        if request is None:
            raise NotFound()
        if request.status != PENDING:
            raise RequestNotPending()
        request.status, request.responded_at = status, timezone.now()
        request.save(update_fields=["status", "responded_at"])
        return request


def friend_request_decline(*, user, request_id: int) -> FriendRequest:
    """The recipient declines a pending request (the sender is not told)."""
    return _close(request_id=request_id, mine=Q(to_user=user), status=FriendRequest.Status.DECLINED)


def friend_request_cancel(*, user, request_id: int) -> FriendRequest:
    """The sender withdraws a pending request."""
    return _close(request_id=request_id, mine=Q(from_user=user), status=FriendRequest.Status.CANCELLED)


def friend_remove(*, user, friend_id: int) -> None:
    """End a friendship, for both players. Not a friend: 404."""
    if not Friendship.objects.filter(user=user, friend_id=friend_id).exists():
        raise NotFound()
    with transaction.atomic():
        lock_wallets(user_ids=[user.pk, friend_id])
        if not _unfriend(user_id=user.pk, other_id=friend_id):
            raise NotFound()  # removed meanwhile by the other player


def user_block(*, user, user_id: int) -> bool:
    """Block a player: it ends the friendship, cancels the pending requests both ways, hides
    each from the other (search, profiles) and sends `user_blocked` (trades cancel theirs),
    all in one transaction. Blocking again changes nothing more. True if the block is new."""
    target = _active_user(user_id=user_id)
    if target.pk == user.pk:
        raise BlockSelf()
    with transaction.atomic():
        lock_wallets(user_ids=[user.pk, target.pk])
        _, created = Block.objects.get_or_create(blocker=user, blocked=target)
        _unfriend(user_id=user.pk, other_id=target.pk)
        FriendRequest.objects.filter(_pair(user.pk, target.pk), status=PENDING).update(
            status=FriendRequest.Status.CANCELLED, responded_at=timezone.now()
        )
        user_blocked.send(sender=Block, blocker_id=user.pk, blocked_id=target.pk)
        user_version_bump(user.pk)
        user_version_bump(target.pk)
        return created


def user_unblock(*, user, user_id: int) -> None:
    """Lift `user`'s block of that player (a block the other placed stays). Unknown player: 404;
    not blocked: nothing to do."""
    if not User.objects.filter(pk=user_id).exists():
        raise NotFound("No such player.")
    deleted, _ = Block.objects.filter(blocker=user, blocked_id=user_id).delete()
    if deleted:
        user_version_bump(user.pk)
        user_version_bump(user_id)
