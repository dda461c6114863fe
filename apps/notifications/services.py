"""Writing notifications: the one entry point for every app that tells a player something."""
from django.db import transaction
from django.utils import timezone

from apps.core.on_commit import queued_on_commit
from apps.core.user_version import user_versions_bump

from .models import Notification
from .signals import notifications_created


def notify(*, user_id: int, kind: str, payload: dict) -> None:
    """Record a notification for `user_id` once the surrounding transaction commits
    (right away outside one): a rolled-back change tells nobody anything."""
    notify_many([(user_id, kind, payload)])


def notify_many(notifications: list[tuple[int, str, dict]]) -> None:
    """`notify` for several (user_id, kind, payload) at once. A transaction's notifications
    are inserted together after it commits: one INSERT, however many calls queued them."""
    if not notifications:
        return
    rows = [Notification(user_id=u, kind=k, payload=p) for u, k, p in notifications]
    savepoints, latest = next(queued_on_commit(_Insert), (None, None))
    # Join the latest pending insert only if it was queued under the same savepoints:
    # rolling one of them back then drops exactly what was queued under it.
    if latest is not None and not latest.done and savepoints == set(transaction.get_connection().savepoint_ids):
        latest.rows.extend(rows)
        return
    transaction.on_commit(_Insert(rows))


class _Insert:
    """The notifications a transaction will insert when it commits (an on-commit hook)."""

    __slots__ = ("rows", "done")

    def __init__(self, rows: list[Notification]):
        self.rows = rows
        self.done = False  # run (tests run hooks early, leaving them in the queue)

    def __call__(self) -> None:
        self.done = True
        _create(self.rows)


def _create(rows: list[Notification]) -> None:
    created = Notification.objects.bulk_create(rows)
    notifications_created.send(sender=Notification, notifications=created)  # live streams (apps/events)
    # The dashboard (cached per user) shows the unread count.
    user_versions_bump({row.user_id for row in rows})


def notifications_mark_read(*, user, ids: list[int] | None = None, all: bool = False, now=None) -> int:  # noqa: A002
    """Mark the user's unread notifications read: those with these ids, or all of them.
    Ids of other players' notifications are ignored. How many were marked."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all:
        unread = unread.filter(pk__in=ids or [])
    marked = unread.update(read_at=now or timezone.now())
    if marked:
        user_versions_bump({user.pk})
    return marked


def notifications_prune(*, before) -> int:
    """Delete read notifications read before `before` (the daily job); how many."""
    old = Notification.objects.filter(read_at__lt=before)
    user_ids = set(old.values_list("user_id", flat=True).distinct())
    deleted, _ = old.delete()
    user_versions_bump(user_ids)  # their cached feeds showed what is gone
    return deleted
