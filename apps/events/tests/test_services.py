import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core.testing import is_postgres
from apps.events import broker, services
from apps.events.services import ticket_create, ticket_redeem
from apps.events.streams import event_stream
from apps.notifications.models import Notification
from apps.notifications.services import notify
from conftest import client_for

from .helpers import STREAM, read_until, run_stream

pytestmark = pytest.mark.django_db


async def until(condition, timeout: float = 5.0) -> None:
    """Wait for the broker (in process, or the Redis subscriber) to get there."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def streams_of(user_id: int) -> list:
    hub = broker._hubs[asyncio.get_running_loop()]
    return list(hub.streams.get(user_id, ()))


def event(pk: int) -> dict:
    return {"id": pk, "kind": "level_up", "payload": {}, "created_at": "2026-01-01T00:00:00Z", "read_at": None}


def test_a_ticket_is_redeemed_once(user):
    ticket = ticket_create(user_id=user.pk)

    assert ticket_redeem(ticket=ticket) == user.pk
    assert ticket_redeem(ticket=ticket) is None
    assert ticket_redeem(ticket="") is None


def test_a_stream_that_falls_behind_ends_after_what_it_holds(user, settings):
    """Its queue overflowed, so events were lost: it ends, and the client's reconnect
    (with Last-Event-ID) gets them from the table."""
    settings.EVENTS_QUEUE_SIZE = 2

    @async_to_sync
    async def run():
        stream = event_stream(user_id=user.pk, last_event_id=None)
        assert await anext(stream) == b": connected\n\n"
        broker.publish_many([(user.pk, event(pk)) for pk in (1, 2, 3, 4, 5)])
        (subscription,) = streams_of(user.pk)
        await until(lambda: subscription.closed)
        await asyncio.sleep(0.1)  # the rest of the five, dropped
        return [chunk async for chunk in stream]

    chunks = run()

    assert [chunk.split(b"\n")[0] for chunk in chunks] == [b"id: 1", b"id: 2"]


def test_a_closed_stream_leaves_no_subscription(user):
    @async_to_sync
    async def run():
        stream = event_stream(user_id=user.pk, last_event_id=None)
        await anext(stream)
        during = broker.open_stream_count()
        await stream.aclose()
        return during, broker.open_stream_count()

    assert run() == (1, 0)


def test_events_of_an_id_already_sent_are_not_sent_again(user):
    @async_to_sync
    async def run():
        stream = event_stream(user_id=user.pk, last_event_id=None)
        await anext(stream)
        broker.publish_many([(user.pk, event(3)), (user.pk, event(2)), (user.pk, event(3)), (user.pk, event(4))])
        chunks = [await asyncio.wait_for(anext(stream), 2) for _ in range(2)]
        await stream.aclose()
        return chunks

    assert [chunk.split(b"\n")[0] for chunk in run()] == [b"id: 3", b"id: 4"]


def test_with_redis_unreachable_a_notification_is_still_saved(user, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def unreachable(alias):
        raise RedisConnectionError("unreachable")

    monkeypatch.setattr("django_redis.get_redis_connection", unreachable)

    with django_capture_on_commit_callbacks(execute=True):
        notify(user_id=user.pk, kind="level_up", payload={"level": 2})

    assert Notification.objects.filter(user=user, kind="level_up").count() == 1


def test_with_redis_unreachable_a_ticket_is_503(user, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def unreachable():
        raise RedisConnectionError("unreachable")

    monkeypatch.setattr(services, "_redis", unreachable)

    response = client_for(user).post("/api/v1/events/ticket/")

    assert response.status_code == 503
    assert response.json()["code"] == "events_unavailable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (SQLite's in-memory test database is never closed)")
def test_an_open_asgi_stream_holds_no_database_connection(make_user):
    """Under ASGI a request's thread keeps its connection until the response ends: the
    stream closes it once its reads (authentication, the replay) are done."""
    user = make_user("holder")
    ticket = ticket_create(user_id=user.pk)

    async def scenario(response, chunks):
        text = await read_until(chunks, lambda t: ": connected" in t)
        return text, await sync_to_async(lambda: connection.connection is None)()

    # The view and the replay run on this (the test's) thread, which makes it observable here.
    text, released = run_stream(scenario, path=f"{STREAM}?ticket={ticket}&last_event_id=0")

    assert text == ": connected\n\n"
    assert released


def test_a_stream_ends_when_its_process_loses_the_fan_out(user):
    """What the Redis subscriber does when its connection drops (events published meanwhile
    are lost): every stream of that loop ends after what it holds, and clients reconnect."""

    @async_to_sync
    async def run():
        stream = event_stream(user_id=user.pk, last_event_id=None)
        await anext(stream)
        broker.publish_many([(user.pk, event(1))])
        (subscription,) = streams_of(user.pk)
        await until(lambda: not subscription.queue.empty())
        broker._hubs[asyncio.get_running_loop()].close_all()
        return [chunk async for chunk in stream], broker.open_stream_count()

    chunks, still_open = run()

    assert [chunk.split(b"\n")[0] for chunk in chunks] == [b"id: 1"]
    assert still_open == 0
