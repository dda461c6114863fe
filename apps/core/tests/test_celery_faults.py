"""A Celery worker outlives a Redis outage: it waits while its broker (a redis-server of the
test's own) is shut down, and consumes the queue again once it is back, without a restart."""
import subprocess
import sys
import time

import pytest
from celery import Celery

from .fault_services import ROOT, app_env, stop_process_group, throwaway_redis

pytestmark = pytest.mark.faults


def _until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_worker_waits_out_a_redis_outage_and_then_runs_queued_jobs(tmp_path):
    with throwaway_redis() as redis:
        env = app_env(REDIS_URL=redis.url, DATABASE_URL="", SQLITE_PATH=str(tmp_path / "worker.sqlite3"))
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dreamtrack", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        producer = Celery(broker=redis.url)
        try:
            _until(lambda: "ready." in (tmp_path / "worker.log").read_text(), timeout=60, what="worker not ready")
            redis.stop()
            time.sleep(3)
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]  # still waiting
            redis.start()  # empty: a Redis restarted without persistence
            # A job queued now (a built-in task, so that the test needs no database) is run.
            producer.send_task("celery.accumulate", args=[1, 2])
            _until(lambda: "succeeded" in (tmp_path / "worker.log").read_text(), timeout=60,
                   what="the job queued after the outage did not run:\n"
                   + (tmp_path / "worker.log").read_text()[-3000:])
            assert redis.cli("llen", "celery").stdout.strip() == "0"
            assert worker.poll() is None
        finally:
            producer.close()
            stop_process_group(worker)
            log.close()
