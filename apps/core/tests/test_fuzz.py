"""Schemathesis over /swagger.json: every documented operation, all checks.

Marked `fuzz`, so the everyday `make test` skips it; `make fuzz` and CI run it.
A live server on the test database is fuzzed by the `st` command line twice,
with a player's token and without one; the run's settings (seed, examples per
operation) are in /schemathesis.toml; `FUZZ_ARGS="--seed 7 -n 50" make fuzz`
explores further (any `st run` options). The world it starts from has the seeded
catalog and a player with tasks, coins, crystals and items, so that ids in the
fuzzed requests sometimes exist.
"""
import os
import shlex
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.services import tokens_for
from apps.core.testing import is_postgres

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
ST = Path(sys.executable).with_name("st")
# Both passes together: the CI step's budget is a few minutes.
TIMEOUT_SECONDS = 300


@pytest.fixture
def world(make_user, monkeypatch, settings):
    """The seeded catalog and a player who holds something of everything."""
    from apps.shop.models import Item
    from apps.shop.services import item_purchase
    from apps.shop.tests.factories import fund
    from apps.tasks.services import task_complete, task_create

    # Throttles answer 429 (documented everywhere); here they would only cut the run short.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {k: "100000/min" for k in ("anon", "user", "login", "spend", "ai")})
    settings.DONATION_WEBHOOK_SECRET = "fuzz-webhook-secret"  # unsigned requests: 401, not 503
    # Step generation configured (else every request is a 503 `ai_unavailable`), aimed at a
    # closed local port: a job that runs fails at once, without the network.
    settings.OPENROUTER_API_KEY = "fuzz-not-a-key"
    settings.OPENROUTER_BASE_URL = "http://127.0.0.1:9/api/v1"
    call_command("seed", stdout=StringIO())
    player = make_user("fuzzer")
    fund(player, coins=5000, crystals=500, xp=3000)
    for difficulty in ("trivial", "easy", "medium", "hard"):
        task = task_create(user=player, title=f"A {difficulty} task", difficulty=difficulty)
    task_complete(user=player, task_id=task.pk)
    for item in Item.objects.filter(is_active=True, price_coins__isnull=False, min_level__lte=5):
        item_purchase(user=player, item_id=item.pk, currency="coins")
    return player


def run_schemathesis(url: str, *headers: str) -> subprocess.CompletedProcess:
    # Two workers on PostgreSQL (one request per core); SQLite's in-memory test
    # database is one connection that the server's threads share: one at a time.
    workers = "2" if is_postgres() else "1"
    command = [str(ST), "--config-file", str(ROOT / "schemathesis.toml"), "--no-color", "run", f"{url}/swagger.json"]
    command += ["--workers", workers, *shlex.split(os.environ.get("FUZZ_ARGS", ""))]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)


def assert_green(result: subprocess.CompletedProcess) -> None:
    # On failure the report names each failing operation, the check and a curl line to reproduce it.
    assert result.returncode == 0, f"{result.stdout[-30000:]}\n{result.stderr[-3000:]}"


def test_the_api_as_a_player_conforms_to_its_schema(live_server, world):
    assert_green(run_schemathesis(live_server.url, f"Authorization: Bearer {tokens_for(world)['access']}"))


def test_the_api_without_a_token_conforms_to_its_schema(live_server, world):
    assert_green(run_schemathesis(live_server.url))
