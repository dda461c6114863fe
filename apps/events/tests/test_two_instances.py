"""Two app instances (uvicorn processes on two ports), one PostgreSQL, one Redis: a
notification committed anywhere reaches the user's streams on both."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.services import tokens_for
from apps.core.testing import is_postgres
from apps.notifications.models import Notification
from apps.notifications.services import notify

from .helpers import STREAM, parse_events

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: Redis pub/sub joins the instances"),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL: the servers share the test database"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def start_instance(port: int, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "dreamtrack.test_settings",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EVENTS_KEEPALIVE_SECONDS": "0.5",
    }
    command = [sys.executable, "-m", "uvicorn", "dreamtrack.asgi:application",
               "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log", "--timeout-graceful-shutdown", "2"]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"uvicorn did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def instances(transactional_db, tmp_path):
    """Base URLs of two uvicorn servers of this code on the test database; stopped afterwards."""
    processes, urls = [], []
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"uvicorn-{name}.log"
            process = start_instance(port, log)
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_up(urls[-1], process, log)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def subscribers() -> int:
    from django_redis import get_redis_connection

    from apps.events.broker import channel_name

    channel = channel_name(settings.REDIS_URL)
    return dict(get_redis_connection("default").pubsub_numsub(channel)).get(channel.encode(), 0)


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def read_events(lines, count: int, timeout: float = 10.0) -> str:
    """SSE lines until `count` events (or ": connected" for 0) have arrived."""
    text, deadline = "", time.monotonic() + timeout
    for line in lines:
        text += line + "\n"
        if line == "" and (len(parse_events(text)) >= count if count else text.startswith(": connected")):
            return text
        if time.monotonic() > deadline:
            break
    pytest.fail(f"not {count} events within {timeout} s: {text!r}")


def test_a_notification_reaches_streams_held_by_both_instances(instances, make_user):
    a, b = instances
    user = make_user("streamer")
    access = tokens_for(user)["access"]
    with httpx.Client(timeout=10) as http:
        # A ticket issued by instance A opens a stream on instance B (tickets live in Redis).
        ticket = http.post(f"{a}/api/v1/events/ticket/", headers={"Authorization": f"Bearer {access}"}).json()["ticket"]
        with (
            http.stream("GET", f"{b}{STREAM}", params={"ticket": ticket}) as on_b,
            http.stream("GET", f"{a}{STREAM}", headers={"Authorization": f"Bearer {access}"}) as on_a,
        ):
            assert on_b.status_code == on_a.status_code == 200
            assert on_b.headers["content-type"] == "text/event-stream"
            b_lines, a_lines = on_b.iter_lines(), on_a.iter_lines()
            read_events(b_lines, 0)
            read_events(a_lines, 0)

            # Committed in a third process (this one): only Redis can carry it to A and B.
            notify(user_id=user.pk, kind="trade_received", payload={"trade_id": 7})
            created = Notification.objects.get(user=user)

            for lines in (b_lines, a_lines):
                (event,) = parse_events(read_events(lines, 1))
                assert event["id"] == str(created.pk)
                assert event["event"] == "trade_received"
                assert '"payload":{"trade_id":7}' in event["data"]
            # One Redis subscriber per instance, whatever the number of streams.
            assert subscribers() == 2

        # The clients went away: each instance ends its streams and, with its last, its subscriber.
        wait_for(lambda: subscribers() == 0, "the instances to drop their Redis subscribers")

        # The ticket was used up on B: A refuses it too.
        assert http.get(f"{a}{STREAM}", params={"ticket": ticket}).status_code == 401


def test_a_reconnect_to_the_other_instance_replays_what_it_missed(instances, make_user):
    a, b = instances
    user = make_user("reconnector")
    headers = {"Authorization": f"Bearer {tokens_for(user)['access']}"}
    with httpx.Client(timeout=10, headers=headers) as http:
        with http.stream("GET", f"{a}{STREAM}") as first:
            lines = first.iter_lines()
            read_events(lines, 0)
            notify(user_id=user.pk, kind="friend_request", payload={})
            (seen,) = parse_events(read_events(lines, 1))
        # While disconnected:
        notify(user_id=user.pk, kind="friend_accepted", payload={})
        notify(user_id=user.pk, kind="trade_received", payload={})

        with http.stream("GET", f"{b}{STREAM}", headers={"Last-Event-ID": seen["id"]}) as second:
            events = parse_events(read_events(second.iter_lines(), 2))

    expected = list(Notification.objects.filter(user=user).order_by("pk").values_list("pk", "kind"))[1:]
    assert [(int(e["id"]), e["event"]) for e in events] == expected
    assert [kind for _, kind in expected] == ["friend_accepted", "trade_received"]


def test_two_new_players_befriend_trade_and_both_see_it_live(instances):
    """Issue 17's journey, through the API of two instances: two new players become friends;
    one offers an item and coins, the other accepts; both see the trade on their open
    streams and in their notifications; balances, inventories and ledgers agree."""
    from django.contrib.auth import get_user_model

    from apps.inventory.models import InventoryItem
    from apps.trades.tests.factories import assert_consistent, coins, fund, give

    a, b = instances
    with httpx.Client(timeout=10) as http:
        tokens = {}
        for name, server in (("seller", b), ("buyer", a)):
            r = http.post(f"{server}/api/v1/auth/register/",
                          json={"username": name, "email": f"{name}@example.com", "password": "Tr4de-live-pass!"})
            assert r.status_code == 201, r.text
            tokens[name] = {"Authorization": f"Bearer {r.json()['access']}"}
        User = get_user_model()
        seller, buyer = User.objects.get(username="seller"), User.objects.get(username="buyer")
        fund(seller, coins=200)
        fund(buyer, coins=100)
        avatar = give(seller)

        r = http.post(f"{b}/api/v1/friends/requests/", json={"username": "buyer"}, headers=tokens["seller"])
        assert r.status_code == 201, r.text
        r = http.post(f"{a}/api/v1/friends/requests/{r.json()['id']}/accept/", headers=tokens["buyer"])
        assert r.status_code == 200, r.text

        ticket = http.post(f"{b}/api/v1/events/ticket/", headers=tokens["buyer"]).json()["ticket"]
        with (
            http.stream("GET", f"{a}{STREAM}", params={"ticket": ticket}) as buyer_stream,
            http.stream("GET", f"{b}{STREAM}", headers=tokens["seller"]) as seller_stream,
        ):
            buyer_lines, seller_lines = buyer_stream.iter_lines(), seller_stream.iter_lines()
            read_events(buyer_lines, 0)
            read_events(seller_lines, 0)

            offer = {"recipient_id": buyer.pk, "offered": {"coins": 50, "items": [{"inventory_id": avatar.pk}]},
                     "requested": {"coins": 20, "items": []}}
            r = http.post(f"{b}/api/v1/trades/", json=offer, headers=tokens["seller"])
            assert r.status_code == 201, r.text
            trade_id = r.json()["id"]
            (received,) = parse_events(read_events(buyer_lines, 1))
            assert received["event"] == "trade_received" and f'"trade_id":{trade_id}' in received["data"]

            r = http.post(f"{a}/api/v1/trades/{trade_id}/accept/", headers=tokens["buyer"])
            assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
            accepted = [e for e in parse_events(read_events(seller_lines, 1)) if e["event"] == "trade_accepted"]
            assert accepted and f'"trade_id":{trade_id}' in accepted[0]["data"]

        for name, kind in (("buyer", "trade_received"), ("seller", "trade_accepted")):
            feed = http.get(f"{a}/api/v1/notifications/", headers=tokens[name]).json()["results"]
            assert kind in [n["kind"] for n in feed]

    assert (coins(seller), coins(buyer)) == (200 - 50 + 20, 100 + 50 - 20)
    assert InventoryItem.objects.get(user=buyer, item_id=avatar.item_id).quantity == 1
    assert InventoryItem.objects.get(pk=avatar.pk).quantity == 0
    assert_consistent(seller, buyer)
