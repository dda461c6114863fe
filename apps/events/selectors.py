"""Reads for live events: a notification as a stream sends it, and what a reconnect missed."""
from django.conf import settings
from rest_framework.fields import DateTimeField

from apps.notifications.models import Notification

_datetime = DateTimeField()


def notification_event(notification: Notification) -> dict:
    """The notification's JSON as the API shows it: `{id, kind, payload, created_at, read_at}`."""
    read_at = notification.read_at
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "payload": notification.payload,
        "created_at": _datetime.to_representation(notification.created_at),
        "read_at": _datetime.to_representation(read_at) if read_at is not None else None,
    }


def notification_events_after(*, user_id: int, after_id: int, limit: int | None = None) -> list[dict]:
    """The user's notifications with an id above `after_id`, oldest first: at most `limit`
    (EVENTS_REPLAY_MAX), the newest ones when more were missed (the feed has the rest)."""
    limit = settings.EVENTS_REPLAY_MAX if limit is None else limit
    rows = Notification.objects.filter(user_id=user_id, pk__gt=after_id).order_by("-pk")[:limit]
    return [notification_event(n) for n in reversed(list(rows))]


def notification_last_id(*, user_id: int) -> int:
    """The user's newest notification id (0 without any): where a fresh stream starts."""
    last = Notification.objects.filter(user_id=user_id).order_by("-pk").values_list("pk", flat=True).first()
    return last or 0
