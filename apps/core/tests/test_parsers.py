"""The size-limited JSON parser (apps/core/parsers.py)."""
import pytest
from django.test import override_settings

from conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("apps.core.tests.urls")]
URL = "/api/v1/_test/echo/"


def send(user, raw: bytes, **extra):
    return client_for(user).generic("POST", URL, raw, content_type="application/json", **extra)


def test_a_body_within_the_limit_is_parsed(user):
    r = send(user, '{"a": [1, 2.5, "ü", null, true]}'.encode())
    assert r.status_code == 200 and r.json() == {"echo": {"a": [1, 2.5, "ü", None, True]}}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_413(user):
    r = send(user, b'{"a": "' + b"x" * 2000 + b'"}')
    assert r.status_code == 413
    assert r.json()["code"] == "request_too_large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_without_a_content_length_what_arrives_is_counted():
    import io

    from apps.core.parsers import JSONParser, RequestTooLarge

    with pytest.raises(RequestTooLarge):
        JSONParser().parse(io.BytesIO(b'{"a": "' + b"x" * 2000 + b'"}'), parser_context={})
    assert JSONParser().parse(io.BytesIO(b'{"a": 1}'), parser_context={}) == {"a": 1}


@pytest.mark.parametrize("raw", [b"{", b"NaN", b'{"a": Infinity}', b"\xff\xfe", b""])
def test_invalid_json_is_parse_error(user, raw):
    r = send(user, raw)
    if raw == b"":
        assert r.status_code == 200 and r.json() == {"echo": {}}
    else:
        assert r.status_code == 400 and r.json()["code"] == "parse_error"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1000, 500])
def test_deeply_nested_json_is_parse_error(user, depth):
    # 1,000 levels are a 2 KB body that blew Python's recursion limit in json.loads
    # (a 500); 500 levels parsed but could fail later in any recursive code.
    r = send(user, nested(depth))
    assert r.status_code == 400, r.content[:200]
    assert r.json()["code"] == "parse_error"


def test_nesting_up_to_the_limit_is_accepted(user):
    from apps.core.parsers import MAX_JSON_DEPTH

    r = send(user, nested(MAX_JSON_DEPTH))
    assert r.status_code == 200


def test_deeply_nested_json_is_parse_error_without_logging_in(api_client):
    r = api_client.generic("POST", "/api/v1/auth/register/", nested(1000), content_type="application/json")
    assert r.status_code == 400, r.content[:200]
    assert r.json()["code"] == "parse_error"
