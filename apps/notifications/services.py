"""Writing notifications: the one entry point for every app that tells a player something."""
from django.db import transaction

from .models import Notification
from .signals import notifications_created


def notify(*, user_id: int, kind: str, payload: dict) -> None:
    """Record a notification for `user_id` once the surrounding transaction commits
    (right away outside one): a rolled-back change tells nobody anything."""
    transaction.on_commit(lambda: _create([Notification(user_id=user_id, kind=kind, payload=payload)]))


def notify_many(notifications: list[tuple[int, str, dict]]) -> None:
    """`notify` for several (user_id, kind, payload) at once, in one INSERT after commit."""
    if notifications:
        rows = [Notification(user_id=u, kind=k, payload=p) for u, k, p in notifications]
        transaction.on_commit(lambda: _create(rows))


def _create(rows: list[Notification]) -> None:
    created = Notification.objects.bulk_create(rows)
    notifications_created.send(sender=Notification, notifications=created)
