"""The body of `events/stream/`: Server-Sent Events, one per new notification.

Each event is `id: <notification id>`, `event: <kind>`, `data: <notification JSON>` and a
blank line; a `: keep-alive` comment goes out every EVENTS_KEEPALIVE_SECONDS. The first
line, `: connected`, is sent once the stream listens, so nothing created after a client
has read it can be missed.

Served by ASGI (uvicorn, production): an async iterator that waits on the broker on the
event loop, occupying no worker. Served by WSGI (`manage.py runserver`, or gunicorn if the
proxy misroutes the stream): a plain iterator that polls the table every
EVENTS_POLL_SECONDS and ends after EVENTS_POLL_MAX_SECONDS (the client reconnects with
Last-Event-ID), so a worker is never held for good.
"""
import asyncio
import json
import threading
import time
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from . import broker
from .selectors import notification_events_after, notification_last_id

CONNECTED = b": connected\n\n"
KEEPALIVE = b": keep-alive\n\n"


def sse_event(event: dict) -> bytes:
    """One notification as an SSE event (its JSON holds no newline: json.dumps escapes them)."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {data}\n\n".encode()


async def event_stream(*, user_id: int, last_event_id: int | None):
    """The ASGI body: subscribe first, then replay from the table, then live events. An id
    at or below the last one sent is skipped: the replay and the live feed may overlap."""
    async with broker.subscription(user_id) as subscription:
        yield CONNECTED
        if last_event_id is not None:
            replay = await sync_to_async(_replay)(user_id, last_event_id)
            for event in replay:
                yield sse_event(event)
                last_event_id = event["id"]
        last_sent = last_event_id or 0
        while True:
            try:
                event = await asyncio.wait_for(subscription.queue.get(), settings.EVENTS_KEEPALIVE_SECONDS)
            except TimeoutError:
                yield KEEPALIVE
                continue
            if event is not None and event["id"] > last_sent:
                yield sse_event(event)
                last_sent = event["id"]
            if subscription.closed and subscription.queue.empty():
                return  # events may have been lost: the client's reconnect replays them


def polling_event_stream(*, user_id: int, last_event_id: int | None):
    """The WSGI body: the table polled (see the module docstring)."""
    if last_event_id is None:
        last_event_id = notification_last_id(user_id=user_id)
    yield CONNECTED
    started = last_beat = time.monotonic()
    while time.monotonic() - started < settings.EVENTS_POLL_MAX_SECONDS:
        for event in notification_events_after(user_id=user_id, after_id=last_event_id):
            yield sse_event(event)
            last_event_id = event["id"]
        if time.monotonic() - last_beat >= settings.EVENTS_KEEPALIVE_SECONDS:
            yield KEEPALIVE
            last_beat = time.monotonic()
        time.sleep(settings.EVENTS_POLL_SECONDS)


_db_slots = threading.BoundedSemaphore(settings.EVENTS_DB_CONCURRENCY)


@contextmanager
def stream_db_work():
    """Around a stream's database work under ASGI (authentication, the replay): at most
    EVENTS_DB_CONCURRENCY at once in this process, the connection closed after each. Under
    ASGI every request runs on a thread of its own, so a burst of streams (every client
    reconnecting after a deploy) would otherwise open as many connections at once."""
    with _db_slots:
        try:
            yield
        finally:
            release_db_connection()


def release_db_connection() -> None:
    """Close this thread's database connection once a stream's reads are done. Under ASGI
    each request runs its sync code (middleware, the view, `sync_to_async` calls) on a thread
    of its own that lives, with its connection, until the response ends: for a stream, as
    long as the player keeps the app open. A thousand open streams would hold a thousand
    PostgreSQL connections. Not inside a transaction (the tests' own): nothing to release."""
    if not connection.in_atomic_block:
        connection.close()


def _replay(user_id: int, last_event_id: int) -> list[dict]:
    with stream_db_work():
        return notification_events_after(user_id=user_id, after_id=last_event_id)
