"""`/healthz` (process alive) and `/readyz` (database and cache reachable, else 503)."""
import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import override_settings

# Redis on a port nothing listens on, configured like production (errors swallowed).
DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
}


@pytest.mark.django_db
def test_healthz_is_200_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok"}


def test_healthz_works_with_the_database_and_cache_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", refuse)
    with override_settings(CACHES=DEAD_REDIS):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_200_when_everything_is_up(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.content
    assert r.json() == {"status": "ok", "checks": {"database": True, "cache": True, "static_files": True}}


@pytest.mark.django_db
def test_readyz_is_503_json_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", refuse)
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "service_unavailable" and isinstance(body["detail"], str)
    assert body["checks"] == {"database": False, "cache": True, "static_files": True}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable_even_though_the_cache_ignores_errors(client):
    with override_settings(CACHES=DEAD_REDIS, DJANGO_REDIS_IGNORE_EXCEPTIONS=True):
        # The app-facing cache really does swallow the outage...
        assert cache.set("x", 1) is None and cache.get("x") is None
        r = client.get("/readyz")
    assert r.status_code == 503, r.content
    body = r.json()
    assert body["code"] == "service_unavailable"
    assert body["checks"] == {"database": True, "cache": False, "static_files": True}


@pytest.mark.django_db
def test_readyz_is_503_when_a_cache_loses_what_it_stores(client, monkeypatch):
    # A non-Redis backend that answers but does not keep values (e.g. DummyCache).
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["cache"] is False


@pytest.mark.django_db
def test_readyz_with_a_live_redis(client):
    from django.conf import settings

    if "redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("REDIS_URL not set: the in-process cache is in use")
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["cache"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_authentication_and_only_answer_get(client, path):
    assert client.get(path).status_code in (200, 503)
    assert client.head(path).status_code in (200, 503)
    for method in ("post", "put", "delete"):
        r = getattr(client, method)(path)
        assert r.status_code == 405
        assert r.json()["code"] == "method_not_allowed"
        assert r["Allow"] == "GET, HEAD"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_writes_with_the_json_405_not_the_csrf_page(path):
    from django.test import Client

    r = Client(enforce_csrf_checks=True).post(path)
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
