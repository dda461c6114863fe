"""The short soak: bench/soak.py's mixed load against a live server, then its audit.

About 16 s of every value-moving endpoint from several players at once, with duplicates
and Idempotency-Key replays; it passes only with no 5xx, no unexpected status, nothing
applied twice, identical replays, balances and holdings equal to their ledgers and the
process's memory flat after the warm-up. `make soak` is the five-minute version.
"""
import os
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.throttling import SimpleRateThrottle

from apps.core.testing import is_postgres

pytestmark = [pytest.mark.soak, pytest.mark.django_db(transaction=True)]

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def soak_module(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import soak

    return soak


def test_a_short_soak_leaves_every_ledger_balanced(live_server, soak_module, monkeypatch):
    # The rate limits would turn the load into 429s: the run measures the code.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {k: "1000000/min" for k in ("anon", "user", "login", "spend", "ai")})
    call_command("seed", stdout=StringIO())
    postgres = is_postgres()
    result = soak_module.soak(
        live_server.url,
        server_pid=os.getpid(),  # the live server runs in this process
        duration=16,
        users=8,
        # SQLite's in-memory test database is one connection the server's threads share: one request at a time.
        concurrency=4 if postgres else 1,
        parallel_duplicates=postgres,
        rss_interval=2,
        rss_limit_mb=48,
        warmup=5,
        floor_seconds=2,
        log=lambda line: None,
    )
    sys.stdout.write(result.summary + "\n")
    assert result.ok, result.summary
    assert result.requests > 100
    assert not any(status.isdigit() and int(status) >= 500 for status in result.statuses)
