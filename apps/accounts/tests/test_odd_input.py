"""Odd bodies on the account endpoints: always a 4xx in the contract's shape, never a 500."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from conftest import client_for

pytestmark = pytest.mark.django_db

NO_LIMITS = {"anon": "100000/min", "user": "100000/min", "login": "100000/min", "spend": "100000/min", "ai": "100000/min"}

ODD_BODIES = [
    [],
    [1, 2, 3],
    [{"username": "bob"}],
    "a string",
    "",
    0,
    12.5,
    True,
    None,
    {"username": None, "email": None, "password": None, "timezone": None, "day_start_hour": None},
    {"username": ["bob"], "email": {"a": 1}, "password": 123, "timezone": 5, "day_start_hour": "x"},
    {"username": "x" * 100_000, "email": "y" * 100_000 + "@example.com", "password": "z" * 100_000},
    {"username": "bob\u0000", "email": "bob@example.com\u0000", "password": "s3cret-Passw0rd!\u0000"},
    {"username": "пользователь", "email": "ü@exämple.com", "password": "пароль-Пароль-1234"},
    {"username": "😀😀😀", "email": "😀@example.com", "password": "😀😀😀😀😀😀😀😀😀😀"},
    {"display_name": None, "bio": None, "email": None, "timezone": None, "day_start_hour": None},
    {"display_name": "x" * 100_000, "bio": "y" * 100_000},
    {"display_name": "\u202e\u0000", "bio": "\ud800"},
    {"display_name": {"nested": [1, {"deeper": None}]}, "day_start_hour": [4]},
    {"day_start_hour": 10**40, "timezone": "Europe/" + "x" * 5000},
    {"day_start_hour": float("nan")},
    {"old_password": None, "new_password": ["x"], "password": {}, "refresh": 12345},
    {"refresh": "e30.e30.e30"},
    {"bio": "a\ud800b", "display_name": "\udfff"},
    {"username": "bob\ud800", "email": "bob@example.com", "password": "s3cret-Passw0rd!\ud800"},
]

ENDPOINTS = [
    ("post", "/api/v1/auth/register/", False),
    ("post", "/api/v1/auth/token/", False),
    ("post", "/api/v1/auth/token/refresh/", False),
    ("post", "/api/v1/auth/logout/", True),
    ("patch", "/api/v1/me/", True),
    ("post", "/api/v1/me/password/", True),
    ("delete", "/api/v1/me/", True),
]


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", NO_LIMITS)


def _send(client, method, path, body):
    # json.dumps with allow_nan: NaN reaches the server as the (invalid JSON) token NaN.
    raw = json.dumps(body, allow_nan=True) if not isinstance(body, bytes) else body
    return getattr(client, method)(path, data=raw, content_type="application/json")


def _assert_clean_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    body = response.json()
    assert isinstance(body["code"], str) and isinstance(body["detail"], str), body
    if "errors" in body:
        assert all(isinstance(v, list) for v in body["errors"].values()), body


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
@pytest.mark.parametrize("method, path, needs_auth", ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_odd_bodies_never_500(make_user, method, path, needs_auth, body):
    user = make_user("alice")
    client = client_for(user) if needs_auth else APIClient()
    client.raise_request_exception = True  # a 500 would surface as the exception itself
    r = _send(client, method, path, body)
    if r.status_code < 300:
        # Only the unicode registration is valid as sent; everything else must be refused.
        assert path in ("/api/v1/auth/register/", "/api/v1/me/"), r.content
        return
    _assert_clean_4xx(r)
    user.refresh_from_db()  # still there: nothing was half-done


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1,", b"\xff\xfe\x00", b"null", b'{"a": 1}{"b": 2}', b'"\\ud800"', b"{'single': 'quotes'}", b"NaN"],
)
@pytest.mark.parametrize("method, path, needs_auth", ENDPOINTS[:5], ids=[p for _, p, _ in ENDPOINTS[:5]])
def test_malformed_json_is_parse_error_or_validation_error(make_user, method, path, needs_auth, raw):
    user = make_user("alice")
    client = client_for(user) if needs_auth else APIClient()
    r = getattr(client, method)(path, data=raw, content_type="application/json")
    _assert_clean_4xx(r)
    assert r.json()["code"] in {"parse_error", "validation_error"}


def test_unicode_registration_round_trips(api_client):
    r = api_client.post(
        "/api/v1/auth/register/",
        {"username": "Jörg.Müller", "email": "jorg@exämple.com", "password": "пароль-Пароль-1234", "timezone": "Europe/Berlin"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["user"]["username"] == "Jörg.Müller"
    token = APIClient().post("/api/v1/auth/token/", {"username": "jörg.müller", "password": "пароль-Пароль-1234"}, format="json")
    assert token.status_code == 200, token.content


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)
field_values = st.one_of(json_values, st.text(min_size=0, max_size=2000), st.integers(min_value=-(10**30), max_value=10**30))
account_bodies = st.fixed_dictionaries(
    {},
    optional={
        name: field_values
        for name in ("username", "email", "password", "timezone", "day_start_hour", "display_name", "bio",
                     "old_password", "new_password", "refresh")
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(json_values, account_bodies))
def test_fuzzed_bodies_never_500(make_user, body):
    user = make_user()
    for method, path, needs_auth in ENDPOINTS:
        client = client_for(user) if needs_auth else APIClient()
        r = _send(client, method, path, body)
        if r.status_code >= 300:
            _assert_clean_4xx(r)


@pytest.mark.parametrize(
    "field, value", [("username", 12345), ("password", 123456789012), ("timezone", 0), ("day_start_hour", "5")]
)
def test_register_values_must_have_their_json_type(api_client, field, value):
    # DRF alone turned 12345 into the username "12345" (found by the schema fuzzer).
    body = {"username": "numbers", "email": "numbers@example.com", "password": "s3cret-Passw0rd!", field: value}
    r = api_client.post("/api/v1/auth/register/", body, format="json")
    assert r.status_code == 400, r.content
    assert list(r.json()["errors"]) == [field]
