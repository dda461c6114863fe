"""Rate limits: 429 `throttled` with Retry-After; login and register share one per-IP bucket."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from conftest import client_for

pytestmark = pytest.mark.django_db

RATES = {"anon": "1000/min", "user": "1000/min", "login": "2/min", "spend": "2/min", "ai": "2/hour"}
REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def tiny_rates(monkeypatch):
    # DRF reads the rates into a class attribute at import time: patch that, not the settings.
    rates = dict(RATES)
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # A stopped clock in the middle of a minute: no test may straddle a window boundary.
    with time_machine.travel(datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC), tick=False):
        yield rates


def client_from(ip, **extra):
    return APIClient(REMOTE_ADDR=ip, **extra)


def register_body(n):
    return {"username": f"user{n}", "email": f"user{n}@example.com", "password": "s3cret-Passw0rd!"}


def assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert set(body) == {"code", "detail"}
    assert 0 < int(response["Retry-After"]) <= 120  # a sliding window: up to two windows


def test_login_is_throttled_with_retry_after(tiny_rates, user):
    client = client_from("10.0.0.1")
    for _ in range(2):
        assert client.post(TOKEN, {"username": "alice", "password": "wrong-Passw0rd!"}, format="json").status_code == 401
    # Even the right password is refused once the bucket is empty.
    assert_throttled(client.post(TOKEN, {"username": "alice", "password": "s3cret-Passw0rd!"}, format="json"))


def test_token_and_register_share_one_bucket_per_ip(tiny_rates, user):
    ip = client_from("10.0.0.2")
    assert ip.post(REGISTER, register_body(1), format="json").status_code == 201
    assert ip.post(TOKEN, {"username": "alice", "password": "s3cret-Passw0rd!"}, format="json").status_code == 200
    assert_throttled(ip.post(REGISTER, register_body(2), format="json"))
    assert_throttled(ip.post(TOKEN, {"username": "alice", "password": "s3cret-Passw0rd!"}, format="json"))
    # Another IP has its own bucket.
    other = client_from("10.0.0.3")
    assert other.post(REGISTER, register_body(3), format="json").status_code == 201


def test_throttled_register_creates_nothing(tiny_rates):
    from django.contrib.auth import get_user_model

    client = client_from("10.0.0.4")
    for n in range(2):
        client.post(REGISTER, register_body(n), format="json")
    assert_throttled(client.post(REGISTER, register_body(99), format="json"))
    assert not get_user_model().objects.filter(username="user99").exists()


def test_a_forged_x_forwarded_for_does_not_escape_the_ip_bucket(tiny_rates, user):
    body = {"username": "alice", "password": "wrong-Passw0rd!"}
    for n in range(2):
        client = client_from("10.0.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert client.post(TOKEN, body, format="json").status_code == 401
    assert_throttled(client_from("10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.77").post(TOKEN, body, format="json"))


def test_behind_trusted_proxies_the_forwarded_client_ip_is_used(tiny_rates, user, monkeypatch):
    from rest_framework.settings import api_settings

    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    body = {"username": "alice", "password": "wrong-Passw0rd!"}
    proxy = "10.0.0.254"
    for _ in range(2):
        client_from(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").post(TOKEN, body, format="json")
    assert_throttled(client_from(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1").post(TOKEN, body, format="json"))
    # A different client behind the same proxy (trying another account) is not affected.
    other = {"username": "bob", "password": "wrong-Passw0rd!"}
    r = client_from(proxy, HTTP_X_FORWARDED_FOR="198.51.100.2").post(TOKEN, other, format="json")
    assert r.status_code == 401


def test_refresh_is_not_in_the_login_bucket(tiny_rates, user):
    client = client_from("10.0.0.6")
    tokens = [client.post(TOKEN, {"username": "alice", "password": "s3cret-Passw0rd!"}, format="json").json() for _ in range(2)]
    refresh = tokens[0]["refresh"]
    for _ in range(3):
        r = client.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
        assert r.status_code == 200, r.content
        refresh = r.json()["refresh"]


def test_anonymous_requests_are_throttled_per_ip(tiny_rates):
    tiny_rates["anon"] = "3/min"
    client = client_from("10.0.0.7")
    refresh = "/api/v1/auth/token/refresh/"
    for _ in range(3):
        assert client.post(refresh, {"refresh": "garbage"}, format="json").status_code == 401
    assert_throttled(client.post(refresh, {"refresh": "garbage"}, format="json"))
    assert client_from("10.0.0.8").post(refresh, {"refresh": "garbage"}, format="json").status_code == 401


def test_authenticated_requests_are_throttled_per_user(tiny_rates, make_user):
    tiny_rates["user"] = "3/min"
    alice, bob = make_user("alice"), make_user("bob")
    a = client_for(alice)
    for _ in range(3):
        assert a.get("/api/v1/me/").status_code == 200
    assert_throttled(a.get("/api/v1/me/"))
    assert client_for(bob).get("/api/v1/me/").status_code == 200


@pytest.mark.urls("apps.core.tests.urls")
def test_spend_scope_is_per_user(tiny_rates, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    a = client_for(alice)
    for _ in range(2):
        assert a.post("/api/v1/_test/spend/").status_code == 200
    assert_throttled(a.post("/api/v1/_test/spend/"))
    # Reading is not spending, and another user has their own bucket.
    assert a.get("/api/v1/me/").status_code == 200
    assert client_for(bob).post("/api/v1/_test/spend/").status_code == 200


def test_default_rates_are_the_contracts():
    import os

    from django.conf import settings

    contract = {"anon": "100/min", "user": "1000/min", "login": "10/min", "spend": "60/min", "ai": "20/hour"}
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for scope, rate in contract.items():
        if not os.environ.get(f"THROTTLE_{scope.upper()}"):  # a developer's .env may tune them
            assert rates[scope] == rate, scope


def test_the_bucket_refills_as_the_window_slides(tiny_rates, user):
    client = client_from("10.0.0.9")
    body = {"username": "alice", "password": "s3cret-Passw0rd!"}
    for _ in range(2):
        assert client.post(TOKEN, body, format="json").status_code == 200
    throttled = client.post(TOKEN, body, format="json")
    assert_throttled(throttled)
    # Retry-After says when: at 12:01:30 the estimate still holds most of 12:00's three.
    later = datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC) + timedelta(seconds=int(throttled["Retry-After"]) + 1)
    with time_machine.travel(later, tick=False):
        assert client.post(TOKEN, body, format="json").status_code == 200


def test_failed_logins_straddling_a_window_boundary_keep_the_rate(make_user, monkeypatch):
    # A fixed window would let 10 through at 12:00:59 and 10 more at 12:01:00.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**RATES, "login": "10/min"})
    make_user("alice")
    client = client_from("10.0.1.1")
    body = {"username": "alice", "password": "wrong-Passw0rd!"}
    with time_machine.travel(datetime(2026, 1, 5, 12, 0, 59, tzinfo=UTC), tick=False):
        for _ in range(10):
            assert client.post(TOKEN, body, format="json").status_code == 401
    with time_machine.travel(datetime(2026, 1, 5, 12, 1, 1, tzinfo=UTC), tick=False):
        assert_throttled(client.post(TOKEN, body, format="json"))


def test_failed_logins_from_many_addresses_are_counted_per_account(tiny_rates, user):
    body = {"username": "ALICE", "password": "wrong-Passw0rd!"}  # the account, whatever the case
    for n in range(2):
        assert client_from(f"10.0.2.{n}").post(TOKEN, body, format="json").status_code == 401
    assert_throttled(client_from("10.0.2.99").post(TOKEN, {**body, "username": "alice"}, format="json"))
    # Another account from a fresh address is untouched.
    assert client_from("10.0.2.100").post(TOKEN, {"username": "bob", "password": "x"}, format="json").status_code == 401


def _needs_redis():
    from django.core.cache import cache

    if not hasattr(getattr(cache, "client", None), "get_client"):
        pytest.skip("needs Redis (REDIS_URL): counters ride on the snapshot read only there")


def test_an_authenticated_request_is_counted_in_the_snapshot_read(tiny_rates, make_user, monkeypatch):
    _needs_redis()
    from apps.core import throttling

    tiny_rates["user"] = "2/min"
    tiny_rates["spend"] = "1/min"
    client = client_for(make_user("alice"))

    class NoSeparateCount:
        def incr(self, *args, **kwargs):
            raise AssertionError("counted in a round trip of its own")

        add = incr

    monkeypatch.setattr(throttling.SlidingWindowMixin, "cache", NoSeparateCount(), raising=False)
    for _ in range(2):
        assert client.get("/api/v1/me/").status_code == 200
    assert_throttled(client.get("/api/v1/me/"))


def test_with_the_cache_down_the_login_limit_still_holds(tiny_rates, user, monkeypatch):
    from django.core.cache import cache

    # django-redis with IGNORE_EXCEPTIONS answers None when Redis is unreachable.
    monkeypatch.setattr(cache, "incr", lambda *a, **k: None)
    monkeypatch.setattr(cache, "add", lambda *a, **k: None)
    client = client_from("10.0.3.1")
    body = {"username": "alice", "password": "wrong-Passw0rd!"}
    for _ in range(2):
        assert client.post(TOKEN, body, format="json").status_code == 401
    assert_throttled(client.post(TOKEN, body, format="json"))


def test_with_redis_down_authenticated_requests_are_let_through(tiny_rates, make_user, monkeypatch):
    _needs_redis()
    import redis

    from apps.core import cache_pipeline

    tiny_rates["user"] = "1/min"
    client = client_for(make_user("alice"))

    class Down:
        def pipeline(self, **kwargs):
            raise redis.ConnectionError("down")

    monkeypatch.setattr(cache_pipeline, "_redis_client", lambda cache: (None, Down()))
    from django.core.cache import cache

    monkeypatch.setattr(cache, "incr", lambda *a, **k: None)  # the throttle's own count: nothing (cache down)
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
