"""Two app servers on one PostgreSQL and one Redis behave as one: `scripts/two_instances.sh`
starts them on the test database and the test's Redis, and the tests talk to both.

- a rate limit counts the requests made to either;
- an Idempotency-Key used on A and replayed on B returns A's answer, applied once;
- a page cached by B is replaced after a write on A.
"""
import json
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from apps.accounts.services import tokens_for
from apps.core.testing import is_postgres
from apps.tasks.tests.factories import TaskFactory
from apps.wallet.models import LedgerEntry, Wallet

from .fault_services import ROOT, app_env, free_port, http, stop_process_group

pytestmark = [
    pytest.mark.two_instances,
    pytest.mark.django_db(transaction=True),  # the servers read what the test committed
    pytest.mark.skipif(
        not (is_postgres() and settings.REDIS_URL),
        reason="two instances share PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): needs both",
    ),
]

USER_RATE = 5


def _database_url() -> str:
    """The test database (pytest-django's `test_<name>`) as a URL for the servers."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    """(A's URL, B's URL): the script's two servers, once for the module."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    ports = (free_port(), free_port())
    while ports[1] == ports[0]:
        ports = (ports[0], free_port())
    env = app_env(
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        MIGRATE="0",  # pytest-django migrated the test database
        PORT_A=str(ports[0]),
        PORT_B=str(ports[1]),
        PYTHON=sys.executable,
        THROTTLE_USER=f"{USER_RATE}/min",
    )
    process = subprocess.Popen(
        ["bash", str(ROOT / "scripts/two_instances.sh")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    output = []
    try:
        deadline = time.monotonic() + 90
        for line in process.stdout:
            output.append(line)
            if line.startswith("two instances ready"):
                break
            assert time.monotonic() < deadline, "".join(output[-50:])
        else:
            raise AssertionError("two_instances.sh exited:\n" + "".join(output[-50:]))
        yield urls
    finally:
        stop_process_group(process)


def get_me(url: str, token: str) -> tuple[int, dict]:
    status, _, body = http("GET", f"{url}/api/v1/me/", token=token)
    return status, json.loads(body)


def test_a_rate_limit_counts_the_requests_to_both_instances(servers, make_user):
    a, b = servers
    token = tokens_for(make_user())["access"]
    answers = [get_me(url, token)[0] for url in (a, a, a, b, b)]
    assert answers == [200] * USER_RATE
    status, body = get_me(b, token)
    assert status == 429 and body["code"] == "throttled"
    assert get_me(a, token)[0] == 429


def test_an_idempotency_key_used_on_a_is_replayed_by_b_and_applies_once(servers, make_user):
    a, b = servers
    user = make_user()
    task = TaskFactory(user=user, difficulty="hard")
    token = tokens_for(user)["access"]
    path = f"/api/v1/tasks/{task.pk}/complete/"
    key = {"Idempotency-Key": "one-completion"}

    first = http("POST", a + path, token=token, headers=key)
    replay = http("POST", b + path, token=token, headers=key)

    assert first[0] == 200 and "Idempotent-Replayed" not in first[1]
    assert replay[0] == 200 and replay[1].get("Idempotent-Replayed") == "true"
    assert json.loads(replay[2]) == json.loads(first[2])
    assert LedgerEntry.objects.filter(user=user, reason="task_completed").count() == 2  # XP and coins, once
    assert Wallet.objects.get(user=user).xp == 40


def test_a_write_on_a_replaces_the_page_b_cached(servers, make_user):
    a, b = servers
    user = make_user()
    task = TaskFactory(user=user, difficulty="hard")
    token = tokens_for(user)["access"]
    status, before = get_me(b, token)
    assert status == 200 and before["xp"] == 0
    assert cache.keys(f"rc3:{user.pk}:*")  # B's page is in the shared cache

    assert http("POST", f"{a}/api/v1/tasks/{task.pk}/complete/", token=token)[0] == 200

    status, after = get_me(b, token)
    assert status == 200 and after["xp"] == 40 and after["coins"] > before["coins"]
