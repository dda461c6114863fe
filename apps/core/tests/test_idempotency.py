"""`Idempotency-Key`: replay, key reuse, failures, expiry and concurrency.

The view under test (apps/core/tests/views.py: CounterView) adds `amount` to a
StatCounter row of the caller: the counter's value shows how often it ran.
"""
import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.models import IdempotencyRecord
from apps.core.testing import is_postgres, run_concurrently
from apps.stats.models import StatCounter

from .views import COUNTER_KEY, Switches

URL = "/api/v1/_test/counter/"
pytestmark = pytest.mark.urls("apps.core.tests.urls")


@pytest.fixture(autouse=True)
def _switches():
    Switches.reset()
    yield
    if Switches.release is not None:
        Switches.release.set()
    Switches.reset()


def client_of(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def post(client, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers, **extra)


def counter(user) -> int:
    row = StatCounter.objects.filter(user=user, key=COUNTER_KEY).first()
    return row.value if row else 0


@pytest.mark.django_db
def test_without_a_key_every_request_runs(user):
    client = client_of(user)
    assert post(client, {"amount": 2}).status_code == 201
    assert post(client, {"amount": 2}).status_code == 201
    assert counter(user) == 4
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_replay_returns_the_first_response_and_does_nothing_again(user):
    client = client_of(user)
    first = post(client, {"amount": 3}, key="k-1")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    for _ in range(3):
        again = post(client, {"amount": 3}, key="k-1")
        assert again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert again.content == first.content  # byte for byte, microseconds included
    assert first.json()["at"] == "2026-03-08T06:59:59.123456Z"
    assert counter(user) == 3 and Switches.calls == 1
    record = IdempotencyRecord.objects.get(user=user, key="k-1")
    assert record.state == IdempotencyRecord.State.DONE and record.status_code == 201


@pytest.mark.django_db
def test_the_body_is_compared_as_parsed_json(user):
    client = client_of(user)
    assert post(client, {"amount": 3, "note": "x"}, key="k").status_code == 201
    raw = '{  "note" : "x",\n "amount": 3 }'
    again = client.post(URL, data=raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert counter(user) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("other_body", [{"amount": 4}, {"amount": 3, "note": "x"}, {}])
def test_same_key_with_a_different_body_is_422_and_changes_nothing(user, other_body):
    client = client_of(user)
    assert post(client, {"amount": 3}, key="k").status_code == 201
    r = post(client, other_body, key="k")
    assert r.status_code == 422, r.content
    assert r.json() == {"code": "idempotency_key_reused", "detail": r.json()["detail"]}
    assert "Idempotent-Replayed" not in r
    assert counter(user) == 3
    # The original request still replays.
    assert post(client, {"amount": 3}, key="k")["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_on_another_path_is_422(user):
    client = client_of(user)
    assert post(client, {"amount": 1}, key="k").status_code == 201
    r = client.post(URL + "?dry=1", {"amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_keys_belong_to_one_user(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    a = post(client_of(alice), {"amount": 5}, key="shared")
    b = post(client_of(bob), {"amount": 5}, key="shared")
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b
    assert counter(alice) == counter(bob) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("key, ok", [("a", True), ("x" * 255, True), ("x" * 256, False), ("", False), ("k" * 5000, False)])
def test_key_length_is_1_to_255(user, key, ok):
    r = post(client_of(user), {"amount": 1}, key=key)
    if ok:
        assert r.status_code == 201, r.content
        assert IdempotencyRecord.objects.filter(key=key).exists()
    else:
        assert r.status_code == 400, r.content
        assert r.json()["code"] == "validation_error"
        assert "Idempotency-Key" in r.json()["errors"]
        assert counter(user) == 0 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["response", "exception"])
def test_a_refused_request_rolls_back_and_releases_the_key(user, how):
    client = client_of(user)
    Switches.fail_with = how
    r = post(client, {"amount": 7}, key="retry-me")
    assert r.status_code == 409, r.content
    assert counter(user) == 0  # the effect made before the refusal was rolled back
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()
    Switches.fail_with = None
    again = post(client, {"amount": 7}, key="retry-me")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert counter(user) == 7 and Switches.calls == 2


@pytest.mark.django_db
def test_a_validation_failure_releases_the_key_for_a_corrected_body(user):
    client = client_of(user)
    bad = post(client, {"amount": 0}, key="fix-me")
    assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    good = post(client, {"amount": 2}, key="fix-me")
    assert good.status_code == 201 and "Idempotent-Replayed" not in good
    assert counter(user) == 2


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_parse_error_and_claims_nothing(user):
    client = client_of(user)
    r = client.post(URL, data='{"amount": 2', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 400 and r.json()["code"] == "parse_error"
    assert not IdempotencyRecord.objects.exists() and counter(user) == 0
    assert post(client, {"amount": 2}, key="k").status_code == 201


@pytest.mark.django_db
def test_unauthenticated_requests_never_touch_the_records():
    r = APIClient().post(URL, {"amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 401 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_within_24_hours_it_replays_after_that_it_runs_again(user):
    client = client_of(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert post(client, {"amount": 1}, key="daily").status_code == 201
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert post(client, {"amount": 1}, key="daily")["Idempotent-Replayed"] == "true"
        assert counter(user) == 1
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        r = post(client, {"amount": 1}, key="daily")
        assert r.status_code == 201 and "Idempotent-Replayed" not in r
        assert counter(user) == 2
        # The renewed record replays from now on, and a different body may reuse an expired key.
        assert post(client, {"amount": 1}, key="daily")["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        assert post(client, {"amount": 9}, key="daily").status_code == 201
        assert counter(user) == 11


@pytest.mark.django_db
def test_the_daily_job_removes_expired_records(make_user):
    from apps.core.jobs import run_daily

    user = make_user("alice")
    now = timezone.now()
    IdempotencyRecord.objects.create(user=user, key="old", fingerprint="f", created_at=now - timedelta(hours=25))
    IdempotencyRecord.objects.create(user=user, key="new", fingerprint="f", created_at=now - timedelta(hours=1))
    run_daily(now=now)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


# --- concurrency (PostgreSQL: real row locks) -------------------------------------

needs_postgres = pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_with_one_key_apply_once(make_user):
    user = make_user("racer")

    def call():
        r = post(client_of(user), {"amount": 5}, key="race")
        return r.status_code, r.json(), r.get("Idempotent-Replayed")

    results = run_concurrently(*[call for _ in range(10)])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    fresh = [r for r in results if r[0] == 201 and r[2] is None]
    replayed = [r for r in results if r[0] == 201 and r[2] == "true"]
    busy = [r for r in results if r[0] == 409]
    assert len(fresh) == 1, results
    assert len(fresh) + len(replayed) + len(busy) == 10, results
    assert all(r[1] == fresh[0][1] for r in replayed)
    assert all(r[1]["code"] == "request_in_progress" for r in busy)
    assert counter(user) == 5
    assert IdempotencyRecord.objects.get(user=user, key="race").state == IdempotencyRecord.State.DONE


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_while_the_first_runs_a_retry_is_409_and_afterwards_a_replay(make_user):
    user = make_user("slowpoke")
    Switches.release = threading.Event()
    results = {}

    def first():
        try:
            results["first"] = post(client_of(user), {"amount": 4}, key="slow")
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert Switches.entered.wait(10), "the first request never reached the view"
        busy = post(client_of(user), {"amount": 4}, key="slow")
        assert busy.status_code == 409, busy.content
        assert busy.json()["code"] == "request_in_progress"
        other = post(client_of(user), {"amount": 6}, key="slow")
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
        assert counter(user) == 0  # nothing visible before the first commits
    finally:
        Switches.release.set()
        thread.join(10)
    assert results["first"].status_code == 201
    replay = post(client_of(user), {"amount": 4}, key="slow")
    assert replay["Idempotent-Replayed"] == "true"
    assert json.loads(replay.content) == json.loads(results["first"].content)
    assert counter(user) == 4 and Switches.calls == 1


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_leave_the_key_free(make_user):
    user = make_user("failer")
    Switches.fail_with = "exception"
    results = run_concurrently(*[lambda: post(client_of(user), {"amount": 1}, key="f").status_code for _ in range(6)])
    assert set(results) <= {409}, results
    assert counter(user) == 0
    assert not IdempotencyRecord.objects.filter(key="f").exists()
    Switches.fail_with = None
    assert post(client_of(user), {"amount": 1}, key="f").status_code == 201
    assert counter(user) == 1


@pytest.mark.django_db
def test_a_claim_left_behind_by_a_crashed_process_is_taken_over(user):
    client = client_of(user)
    assert post(client, {"amount": 2}, key="crash").status_code == 201
    # As if the process had died before committing: the claim stayed, the effect did not.
    IdempotencyRecord.objects.filter(key="crash").update(state=IdempotencyRecord.State.PENDING, status_code=None, response_body=None)
    StatCounter.objects.filter(user=user, key=COUNTER_KEY).delete()
    r = post(client, {"amount": 2}, key="crash")
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert counter(user) == 2
    assert post(client, {"amount": 3}, key="crash").status_code == 422
