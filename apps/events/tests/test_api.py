"""`POST events/ticket/` and `GET events/stream/`, through Django's handlers (ASGI as served
by uvicorn, and the WSGI fallback). Two real servers: test_two_instances.py."""
import json
import time

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from apps.notifications.models import Notification
from apps.notifications.services import notify
from conftest import client_for

from .helpers import STREAM, parse_events, read_until, run_stream

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    from apps.accounts.services import tokens_for

    return {"Authorization": f"Bearer {tokens_for(user)['access']}"}


def ticket_for(user) -> str:
    response = client_for(user).post("/api/v1/events/ticket/")
    assert response.status_code == 201, response.content
    return response.json()["ticket"]


@pytest.fixture
def notify_now(django_capture_on_commit_callbacks):
    """`notify`, its on-commit work (the insert, then the publish) run at once."""

    def create(user, kind="friend_request", payload=None):
        with django_capture_on_commit_callbacks(execute=True):
            notify(user_id=user.pk, kind=kind, payload=payload if payload is not None else {"from": "bob"})
        return Notification.objects.filter(user=user).latest("pk")

    return create


def connected(text: str) -> bool:
    return ": connected\n\n" in text


# --- tickets ---------------------------------------------------------------


def test_ticket_is_201_with_a_random_ticket_valid_60_seconds(user):
    client = client_for(user)
    first, second = client.post("/api/v1/events/ticket/"), client.post("/api/v1/events/ticket/")

    assert first.status_code == 201
    assert set(first.json()) == {"ticket", "expires_in"}
    assert first.json()["expires_in"] == 60
    assert len(first.json()["ticket"]) >= 32
    assert first.json()["ticket"] != second.json()["ticket"]


def test_ticket_needs_a_token(api_client):
    response = api_client.post("/api/v1/events/ticket/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_ticket_opens_one_stream_and_a_second_use_is_401(user):
    ticket = ticket_for(user)

    async def first(response, chunks):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["Cache-Control"] == "no-cache"
        return await read_until(chunks, connected)

    assert run_stream(first, path=f"{STREAM}?ticket={ticket}").startswith(": connected")

    async def again(response, chunks):
        return response

    response = run_stream(again, path=f"{STREAM}?ticket={ticket}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "token_not_valid"


def test_an_expired_ticket_is_401(user, settings):
    settings.EVENTS_TICKET_TTL_SECONDS = 0.2
    ticket = ticket_for(user)
    time.sleep(0.4)

    response = APIClient().get(f"{STREAM}?ticket={ticket}")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("ticket", ["not-a-ticket", "", "x" * 200])
def test_an_unknown_ticket_is_401_even_with_a_valid_header(user, api_client, ticket):
    api_client.credentials(**{"HTTP_AUTHORIZATION": bearer(user)["Authorization"]})

    response = api_client.get(STREAM, {"ticket": ticket})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_ticket_of_a_deactivated_user_is_401(user):
    ticket = ticket_for(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    response = APIClient().get(f"{STREAM}?ticket={ticket}")

    assert response.status_code == 401


def test_the_stream_without_credentials_is_401_json_even_when_asking_for_events(api_client):
    response = api_client.get(STREAM, HTTP_ACCEPT="text/event-stream")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"


def test_the_stream_with_a_bad_bearer_token_is_401(api_client):
    response = api_client.get(STREAM, HTTP_AUTHORIZATION="Bearer nonsense")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("query", ["?last_event_id=-1", "?last_event_id=abc"])
def test_a_malformed_last_event_id_is_400(user, query):
    response = client_for(user).get(STREAM + query)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


# --- the stream (ASGI) --------------------------------------------------------


def test_each_new_notification_arrives_as_id_event_and_data(user, make_user, notify_now):
    other = make_user("bob")

    async def scenario(response, chunks):
        assert response.status_code == 200
        text = await read_until(chunks, connected)
        await sync_to_async(notify_now)(other, kind="trade_received")  # not for this stream
        first = await sync_to_async(notify_now)(user, kind="friend_request", payload={"from_user_id": other.pk})
        second = await sync_to_async(notify_now)(user, kind="level_up", payload={"level": 3, "note": "a\nb"})
        text = await read_until(chunks, lambda t: t.count("\n\n") >= 3, text=text)
        return text, first, second

    text, first, second = run_stream(scenario, headers=bearer(user) | {"Accept": "text/event-stream"})

    assert text.startswith(": connected\n\n")
    events = parse_events(text)
    assert [(e["id"], e["event"]) for e in events] == [(str(first.pk), "friend_request"), (str(second.pk), "level_up")]
    data = json.loads(events[1]["data"])
    assert data == {
        "id": second.pk,
        "kind": "level_up",
        "payload": {"level": 3, "note": "a\nb"},
        "created_at": data["created_at"],
        "read_at": None,
    }
    assert data["created_at"].startswith(second.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    # One line per field: the newline inside the payload is escaped in the JSON.
    assert text.count("\n") == 2 + 2 * 4


def test_an_idle_stream_sends_a_keep_alive_comment(user, settings):
    settings.EVENTS_KEEPALIVE_SECONDS = 0.05

    async def scenario(response, chunks):
        return await read_until(chunks, lambda t: t.count(": keep-alive\n\n") >= 2)

    text = run_stream(scenario, headers=bearer(user))

    assert text == ": connected\n\n: keep-alive\n\n: keep-alive\n\n"
    assert parse_events(text) == []


def test_last_event_id_replays_what_came_after_it_then_goes_on_live(user, make_user, notify_now):
    seen = notify_now(user, kind="friend_request")
    missed = [notify_now(user, kind="trade_received"), notify_now(user, kind="trade_accepted")]
    notify_now(make_user("bob"), kind="trade_received")  # someone else's

    async def scenario(response, chunks):
        text = await read_until(chunks, lambda t: t.count("\n\n") >= 3)
        live = await sync_to_async(notify_now)(user, kind="level_up")
        text = await read_until(chunks, lambda t: t.count("\n\n") >= 4, text=text)
        return text, live

    text, live = run_stream(scenario, headers=bearer(user) | {"Last-Event-ID": str(seen.pk)})

    events = parse_events(text)
    assert [int(e["id"]) for e in events] == [missed[0].pk, missed[1].pk, live.pk]
    assert [e["event"] for e in events] == ["trade_received", "trade_accepted", "level_up"]


def test_last_event_id_as_a_query_parameter_with_a_ticket(user, notify_now):
    seen = notify_now(user)
    missed = notify_now(user, kind="trade_rejected")
    ticket = ticket_for(user)

    async def scenario(response, chunks):
        return await read_until(chunks, lambda t: t.count("\n\n") >= 2)

    text = run_stream(scenario, path=f"{STREAM}?ticket={ticket}&last_event_id={seen.pk}")

    assert [(int(e["id"]), e["event"]) for e in parse_events(text)] == [(missed.pk, "trade_rejected")]


def test_the_replay_sends_at_most_the_newest_replay_max(user, notify_now, settings):
    settings.EVENTS_REPLAY_MAX = 2
    rows = [notify_now(user, kind="level_up") for _ in range(4)]

    async def scenario(response, chunks):
        text = await read_until(chunks, lambda t: t.count("\n\n") >= 3)
        return text

    text = run_stream(scenario, headers=bearer(user) | {"Last-Event-ID": "0"})

    assert [int(e["id"]) for e in parse_events(text)] == [rows[2].pk, rows[3].pk]


# --- the WSGI fallback (manage.py runserver) ---------------------------------------


def test_served_by_wsgi_the_stream_polls_the_table(user, notify_now, settings):
    settings.EVENTS_POLL_SECONDS = 0.01
    settings.EVENTS_KEEPALIVE_SECONDS = 0.05
    before = notify_now(user, kind="friend_request")  # before the stream: not sent

    response = client_for(user).get(STREAM)
    chunks = iter(response.streaming_content)
    try:
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert next(chunks) == b": connected\n\n"
        created = notify_now(user, kind="friend_accepted")
        event = next(chunks).decode()
        assert next(c for c in chunks if c.startswith(b":")) == b": keep-alive\n\n"
    finally:
        response.close()

    assert before.pk < created.pk
    assert parse_events(event) == [
        {"id": str(created.pk), "event": "friend_accepted", "data": json.dumps(
            {"id": created.pk, "kind": "friend_accepted", "payload": {"from": "bob"},
             "created_at": json.loads(parse_events(event)[0]["data"])["created_at"], "read_at": None},
            separators=(",", ":"),
        )}
    ]


def test_served_by_wsgi_the_stream_ends_after_its_maximum(user, settings):
    settings.EVENTS_POLL_SECONDS = 0.01
    settings.EVENTS_POLL_MAX_SECONDS = 0.05

    response = client_for(user).get(STREAM)

    assert b"".join(response.streaming_content) == b": connected\n\n"


def test_ticket_refuses_a_malformed_body_as_every_post_does(user):
    response = client_for(user).post("/api/v1/events/ticket/", data="{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
