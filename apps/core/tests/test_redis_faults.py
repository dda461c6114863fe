"""Redis down and back, for real: the cache is a redis-server of the test's own (on a free port)
that the test shuts down (`redis-cli shutdown`) and starts again.

While it is down the API serves reads and writes from the database, idempotency keeps
its database record, the login limit holds in process memory, `/readyz` is 503. When it
returns everything recovers without a restart, and no stale cached response is served:
version tokens are random, so a flushed Redis never brings back one that something was
cached under, and a token replaced during the outage is written once Redis is back.
"""
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.core import cache_pipeline, catalog_versions, throttling
from apps.core.user_version import VERSION_KEY, user_version_bump
from apps.profiles.cache import user_snapshot
from apps.shop.tests.factories import ItemFactory, fund
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from apps.wallet.models import LedgerEntry, Wallet
from conftest import client_for

from .fault_services import throwaway_redis

# transaction=True: each request commits, and its token replacements run at commit, as in production.
pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

RATES = {"anon": "1000/min", "user": "1000/min", "login": "3/min", "spend": "1000/min", "ai": "100/hour"}


@pytest.fixture
def redis_server(settings, monkeypatch):
    """The default cache on a throwaway Redis, configured as production configures it."""
    with throwaway_redis() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "dt",
                "OPTIONS": {
                    "CLIENT_CLASS": "django_redis.client.DefaultClient",
                    "IGNORE_EXCEPTIONS": True,
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                },
            }
        }
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dict(RATES))
        catalog_versions.forget()
        throttling.local_counters_clear()
        yield server
        catalog_versions.forget()


def redis_keys(server) -> list[str]:
    return server.cli("--scan").stdout.split()


def me(client) -> dict:
    response = client.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_serves_reads_and_writes_with_redis_down_and_recovers_when_it_returns(make_user, client, redis_server):
    user = make_user()
    fund(user, coins=500)
    tasks = [TaskFactory(user=user, difficulty="hard") for _ in range(2)]
    item = ItemFactory(price_coins=100)
    api = client_for(user)
    xp_before = me(api)["xp"]
    assert any(key.startswith("dt:") for key in redis_keys(redis_server))  # the cache is this Redis
    assert client.get("/readyz").status_code == 200

    redis_server.stop()

    # Reads: every cached page falls through to the database.
    for path in ("/api/v1/me/", "/api/v1/dashboard/", "/api/v1/tasks/", "/api/v1/shop/items/", "/api/v1/inventory/"):
        assert api.get(path).status_code == 200, path
    # Writes, idempotent ones with their database record: a replay is the first answer.
    headers = {"HTTP_IDEMPOTENCY_KEY": "complete-while-redis-is-down"}
    first = api.post(f"/api/v1/tasks/{tasks[0].pk}/complete/", **headers)
    assert first.status_code == 200, first.content
    replay = api.post(f"/api/v1/tasks/{tasks[0].pk}/complete/", **headers)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    reused = api.post(f"/api/v1/tasks/{tasks[1].pk}/complete/", **headers)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    purchase = api.post(
        f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json",
        HTTP_IDEMPOTENCY_KEY="buy-while-redis-is-down",
    )
    assert purchase.status_code == 201, purchase.content
    assert LedgerEntry.objects.filter(user=user, reason="task_completed").count() == 2  # XP and coins, once
    wallet = Wallet.objects.get(user=user)
    assert me(api)["xp"] == wallet.xp > xp_before  # fresh, from the database
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["cache"] is False

    redis_server.start()  # empty, as a Redis restarted without persistence comes back

    assert client.get("/readyz").status_code == 200
    assert me(api) == me(api)  # cached again
    assert any(key.startswith("dt:1:rc3:") for key in redis_keys(redis_server))
    second = api.post(f"/api/v1/tasks/{tasks[1].pk}/complete/")
    assert second.status_code == 200
    assert me(api)["xp"] == Wallet.objects.get(user=user).xp > wallet.xp


def _parameterless_api_paths() -> list[str]:
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    paths = {"/" + p.replace("^", "").replace("$", "") for p in walk(get_resolver().url_patterns)}
    return sorted(p for p in paths if p.startswith("/api/v1/") and "<" not in p and "(?P" not in p)


def test_with_redis_down_no_read_of_any_route_is_a_server_error(make_user, redis_server):
    user = make_user()
    TaskFactory(user=user)
    api = client_for(user)
    paths = _parameterless_api_paths()
    assert "/api/v1/me/" in paths and len(paths) > 20
    redis_server.stop()
    answers = {path: api.get(path).status_code for path in paths}
    assert not {path: status for path, status in answers.items() if status >= 500}
    assert answers["/api/v1/me/"] == answers["/api/v1/tasks/"] == 200


def test_with_redis_down_the_login_limit_holds_and_other_limits_let_requests_through(
    make_user, redis_server, monkeypatch
):
    user = make_user("alice")
    redis_server.stop()
    guesser = APIClient(REMOTE_ADDR="10.9.0.1")
    body = {"username": "alice", "password": "wrong-Passw0rd!"}
    assert [guesser.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(4)] == [401] * 3 + [429]
    # Another address, the same account: the per-account count (in memory too) refuses it.
    elsewhere = APIClient(REMOTE_ADDR="10.9.0.2")
    assert elsewhere.post("/api/v1/auth/token/", body, format="json").status_code == 429
    # The other scopes let requests through while nothing can count them (docs/decisions.md).
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dict(RATES, user="1/min"))
    api = client_for(user)
    assert [api.get("/api/v1/streak/").status_code for _ in range(3)] == [200] * 3


def test_a_version_token_never_repeats_after_a_flush_or_a_restart(make_user, redis_server):
    user = make_user()
    served = set()
    for _ in range(3):
        served.add(user_snapshot(user.pk)["v"])
        user_version_bump(user.pk)
    served.add(user_snapshot(user.pk)["v"])
    assert None not in served and len(served) == 4

    redis_server.cli("flushall")
    after_flush = user_snapshot(user.pk)["v"]
    assert after_flush is not None and after_flush not in served
    served.add(after_flush)

    redis_server.stop()
    assert user_snapshot(user.pk)["v"] is None  # no token: nothing is read from or written to the cache
    redis_server.start()
    after_restart = user_snapshot(user.pk)["v"]
    assert after_restart is not None and after_restart not in served


def test_a_change_made_while_redis_is_unreachable_is_not_hidden_by_what_redis_kept(make_user, redis_server):
    """Redis comes back with its data (saved at shutdown, loaded at start): the page cached
    before the outage is still there under the old token. The token replaced during the
    outage was owed and is written before the next read, so the page is built again."""
    user = make_user()
    task = TaskFactory(user=user, difficulty="hard")
    api = client_for(user)
    before = me(api)["xp"]
    old_token = cache.get(VERSION_KEY.format(user.pk))

    redis_server.stop(save=True)
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/").status_code == 200
    assert VERSION_KEY.format(user.pk) in cache_pipeline.tokens_owed()
    redis_server.start()
    assert redis_server.cli("exists", f"dt:1:{VERSION_KEY.format(user.pk)}").stdout.strip() == "1"  # the old token

    after = me(api)["xp"]
    assert after == Wallet.objects.get(user=user).xp > before
    assert cache.get(VERSION_KEY.format(user.pk)) not in (None, old_token)
    assert not cache_pipeline.tokens_owed()
    assert Task.objects.get(pk=task.pk).status == Task.Status.COMPLETED


def test_an_owed_token_is_written_with_the_next_token_write(make_user, redis_server):
    """A process that writes but never reads through the pipeline (a worker) pays too."""
    first, second = make_user(), make_user()
    redis_server.stop(save=True)
    user_version_bump(first.pk)
    assert VERSION_KEY.format(first.pk) in cache_pipeline.tokens_owed()
    owed = cache_pipeline.tokens_owed()[VERSION_KEY.format(first.pk)][0]
    redis_server.start()

    user_version_bump(second.pk)

    assert not cache_pipeline.tokens_owed()
    assert cache.get(VERSION_KEY.format(first.pk)) == owed
