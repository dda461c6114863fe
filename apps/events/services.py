"""Writes for live events: stream tickets, and publishing committed notifications.

A ticket lets a browser's EventSource (which cannot send an Authorization header) open
`events/stream/?ticket=`. It is a random 256-bit token standing for the user for
EVENTS_TICKET_TTL_SECONDS, redeemed at most once: with Redis one GETDEL (atomic, so two
streams racing with one ticket get one user between them), else a lock around the
in-process cache's get and delete (that cache is one process's anyway).
"""
import hashlib
import secrets
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .broker import publish_many
from .exceptions import EventsUnavailable
from .selectors import notification_event

_TICKET_PREFIX = "dt:events:ticket:"
_local_lock = threading.Lock()


def ticket_create(*, user_id: int) -> str:
    """A new one-use stream ticket for `user_id`. Redis unreachable: EventsUnavailable."""
    ticket = secrets.token_urlsafe(32)
    ttl = settings.EVENTS_TICKET_TTL_SECONDS
    if settings.REDIS_URL:
        from redis.exceptions import RedisError

        try:
            _redis().set(_ticket_key(ticket), user_id, px=max(1, int(ttl * 1000)))
        except RedisError as exc:
            raise EventsUnavailable() from exc
    else:
        cache.set(_ticket_key(ticket), user_id, ttl)
    return ticket


def ticket_redeem(*, ticket: str) -> int | None:
    """The user id the ticket stands for, once: None if unknown, expired or already used."""
    if not ticket or len(ticket) > 128:
        return None
    key = _ticket_key(ticket)
    if settings.REDIS_URL:
        from redis.exceptions import RedisError

        try:
            value = _redis().getdel(key)
        except RedisError as exc:
            raise EventsUnavailable() from exc
        return int(value) if value is not None else None
    with _local_lock:
        value = cache.get(key)
        if value is not None:
            cache.delete(key)
    return value


def notifications_publish(sender, *, notifications, **kwargs) -> None:
    """Receiver of `notifications_created`: send the new rows to their users' open streams
    once they are committed (they are, unless created inside a transaction)."""
    events = [(n.user_id, notification_event(n)) for n in notifications if n.pk is not None]
    if events:
        transaction.on_commit(lambda: publish_many(events))


def _ticket_key(ticket: str) -> str:
    # Stored under its hash: what Redis holds (or a dump of it) opens no stream.
    return _TICKET_PREFIX + hashlib.sha256(ticket.encode()).hexdigest()


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")
