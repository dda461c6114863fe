"""Fan-out of live events: a notification committed in any process reaches every stream
open for its user, in whichever process holds it.

**With `REDIS_URL`**, `publish_many` sends each event on one Redis pub/sub channel
(`dt:events:<database number>`), the user id inside the message. Every event loop that
holds open streams keeps ONE subscriber to that channel (started with its first stream,
stopped with its last) and hands each message to the queues of that user's streams here.
One subscription per process, not one per stream: a thousand open streams cost one Redis
connection. Every process sees every event and drops those it has no stream for; a
notification is a few hundred bytes, written a few times per player action.

**Without `REDIS_URL`** (the embedded default), `publish_many` hands the events straight
to this process's queues: streams work within one process.

Pub/sub delivers to those subscribed at that moment, nothing more. What a stream can
miss (the subscriber reconnecting to Redis, a queue overflowing for a slow client) ends
that stream instead, so the client reconnects with `Last-Event-ID` and the database
replays the gap (apps/events/streams.py).
"""
import asyncio
import json
import logging
import threading

from django.conf import settings

logger = logging.getLogger(__name__)

CHANNEL = "dt:events"
# How long a new stream waits for its loop's subscriber to be listening before going on.
SUBSCRIBE_TIMEOUT_SECONDS = 5.0
RECONNECT_DELAY_SECONDS = 1.0


class Subscription:
    """One open stream's queue of events (JSON-able dicts); None wakes it to end."""

    __slots__ = ("queue", "closed")

    def __init__(self, size: int):
        self.queue: asyncio.Queue = asyncio.Queue(size)
        self.closed = False

    def put(self, event: dict) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close()  # events are being lost: end the stream, its reconnect replays

    def close(self) -> None:
        self.closed = True
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            pass  # the stream is draining a full queue; it sees `closed` when done


class _LoopHub:
    """The open streams of one event loop by user id, and (with Redis) the loop's subscriber.
    Touched only on its loop, except `loop` itself."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.streams: dict[int, set[Subscription]] = {}
        self.listener: asyncio.Task | None = None
        self.ready = asyncio.Event()

    def deliver(self, user_id: int, event: dict) -> None:
        for subscription in self.streams.get(user_id, ()):
            subscription.put(event)

    def close_all(self) -> None:
        for subscriptions in self.streams.values():
            for subscription in subscriptions:
                subscription.close()

    async def listen(self, url: str) -> None:
        import redis.asyncio as aredis

        while True:
            client = aredis.Redis.from_url(url)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel_name(url))
                self.ready.set()
                async for message in pubsub.listen():
                    self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis gone: reconnect, never crash the loop
                logger.warning("events: Redis subscriber lost (%s); reconnecting", exc)
            finally:
                self.ready.clear()
                # Whatever was published meanwhile is lost to these streams: end them.
                self.close_all()
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001, S110 - closing a broken connection
                    pass
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    def _dispatch(self, message: dict) -> None:
        if message.get("type") != "message":
            return
        try:
            body = json.loads(message["data"])
            user_id, event = int(body["user_id"]), body["event"]
        except (ValueError, KeyError, TypeError):
            logger.warning("events: unreadable message on %s", message.get("channel"))
            return
        self.deliver(user_id, event)


_hubs: dict[asyncio.AbstractEventLoop, _LoopHub] = {}
_hubs_lock = threading.Lock()


class subscription:  # noqa: N801 - used as `async with subscription(user_id) as s:`
    """A Subscription to `user_id`'s events on the running loop, listening once entered.
    A class, not an @asynccontextmanager: an async generator inside the stream's own would be
    finalized on its own at loop shutdown, before the stream's exit could use it."""

    def __init__(self, user_id: int):
        self.user_id = user_id

    async def __aenter__(self) -> Subscription:
        loop = asyncio.get_running_loop()
        with _hubs_lock:
            hub = _hubs.get(loop)
            if hub is None:
                hub = _hubs[loop] = _LoopHub(loop)
        self.hub, self.subscription = hub, Subscription(settings.EVENTS_QUEUE_SIZE)
        hub.streams.setdefault(self.user_id, set()).add(self.subscription)
        if settings.REDIS_URL:
            if hub.listener is None or hub.listener.done():
                hub.listener = loop.create_task(hub.listen(settings.REDIS_URL))
            try:
                await asyncio.wait_for(hub.ready.wait(), SUBSCRIBE_TIMEOUT_SECONDS)
            except TimeoutError:
                logger.warning("events: Redis subscriber not ready; the stream waits for it")
            except BaseException:
                self._leave()
                raise
        return self.subscription

    async def __aexit__(self, *exc_info) -> None:
        self._leave()

    def _leave(self) -> None:
        hub = self.hub
        subscriptions = hub.streams.get(self.user_id)
        if subscriptions is not None:
            subscriptions.discard(self.subscription)
            if not subscriptions:
                del hub.streams[self.user_id]
        if not hub.streams:
            with _hubs_lock:
                if _hubs.get(hub.loop) is hub:
                    del _hubs[hub.loop]
            if hub.listener is not None:
                hub.listener.cancel()


def channel_name(url: str) -> str:
    """`CHANNEL` and the Redis database number: pub/sub channels are shared by every database
    of a server, so deployments (or test runs) that share one server by database number
    would otherwise see each other's events."""
    from redis.connection import parse_url

    return f"{CHANNEL}:{parse_url(url).get('db', 0)}"


def open_stream_count() -> int:
    """Streams open in this process (every loop)."""
    with _hubs_lock:
        hubs = list(_hubs.values())
    return sum(len(subscriptions) for hub in hubs for subscriptions in list(hub.streams.values()))


def publish_many(events: list[tuple[int, dict]]) -> None:
    """Send each (user_id, event) to the user's open streams, in every process. Called after
    commit; a Redis failure is logged, never raised (the rows are saved; a reconnecting
    client gets them from the database)."""
    if not events:
        return
    if not settings.REDIS_URL:
        _deliver_here(events)
        return
    from django_redis import get_redis_connection
    from redis.exceptions import RedisError

    try:
        channel = channel_name(settings.REDIS_URL)
        pipe = get_redis_connection("default").pipeline(transaction=False)
        for user_id, event in events:
            pipe.publish(channel, json.dumps({"user_id": user_id, "event": event}, separators=(",", ":")))
        pipe.execute()
    except RedisError as exc:
        logger.warning("events: publish failed (%s); streams will replay on reconnect", exc)


def _deliver_here(events: list[tuple[int, dict]]) -> None:
    with _hubs_lock:
        hubs = list(_hubs.values())
    for hub in hubs:
        for user_id, event in events:
            try:
                hub.loop.call_soon_threadsafe(hub.deliver, user_id, event)
            except RuntimeError:  # that loop has closed
                break
