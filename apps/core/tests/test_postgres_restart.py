"""PostgreSQL restarted under load, for real: an app server (gunicorn, 8 threads) on a
PostgreSQL cluster of the test's own (on a free port), players completing tasks with
Idempotency-Keys from several threads, and `pg_ctl restart -m fast` in the middle.

Every answer is a 2xx, a 4xx or the JSON 503 `service_unavailable`, never a 500; the
app reconnects by itself (CONN_HEALTH_CHECKS); each completion, retried with its key
until it succeeds, applies once; every balance equals its ledger sum.

The test does not need the suite's own database: it runs on SQLite as on PostgreSQL.
"""
import json
import threading
import time

import psycopg2
import pytest

from .fault_services import app_env, app_server, http, manage, throwaway_postgres

pytestmark = pytest.mark.faults

PLAYERS = 4
TASKS_EACH = 12


def _register(url: str, n: int) -> str:
    body = {"username": f"loadplayer{n}", "email": f"loadplayer{n}@example.com", "password": "s3cret-Passw0rd!"}
    status, _, raw = http("POST", f"{url}/api/v1/auth/register/", body=json.dumps(body).encode())
    assert status == 201, raw
    return json.loads(raw)["access"]


def _create_task(url: str, token: str, title: str) -> int:
    body = json.dumps({"title": title, "difficulty": "hard"}).encode()
    status, _, raw = http("POST", f"{url}/api/v1/tasks/", token=token, body=body)
    assert status == 201, raw
    return json.loads(raw)["id"]


class Load:
    """Each player's thread completes its tasks in turn, each with its own key, retrying
    a 503 (or a refused connection) with the same key until it is answered for good."""

    def __init__(self, url: str):
        self.url = url
        self.answers: list[tuple[int, bytes]] = []
        self.lock = threading.Lock()
        self.done = 0

    def record(self, status: int, body: bytes) -> None:
        with self.lock:
            self.answers.append((status, body))

    def player(self, token: str, task_ids: list[int]) -> None:
        for task_id in task_ids:
            deadline = time.monotonic() + 60
            while True:
                assert time.monotonic() < deadline, f"task {task_id}: no final answer within 60 s"
                try:
                    status, _, body = http("POST", f"{self.url}/api/v1/tasks/{task_id}/complete/", token=token,
                                           headers={"Idempotency-Key": f"complete-{task_id}"}, timeout=30)
                except OSError:  # the server itself never goes away; count it as a failure
                    status, body = 0, b""
                self.record(status, body)
                if status != 503:
                    break
                time.sleep(0.05)
            with self.lock:
                self.done += 1
            # A read between writes, as a client shows its new state.
            self.record(*http("GET", f"{self.url}/api/v1/me/", token=token)[::2])


def _audit(database_url: str) -> dict:
    from apps.tasks.models import Task
    from apps.wallet.models import LedgerEntry, Wallet

    wallet, ledger, task = Wallet._meta.db_table, LedgerEntry._meta.db_table, Task._meta.db_table
    with psycopg2.connect(database_url) as db, db.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT w.user_id, w.xp, w.coins, w.crystals,
                   COALESCE(SUM(l.amount) FILTER (WHERE l.currency = 'xp'), 0),
                   COALESCE(SUM(l.amount) FILTER (WHERE l.currency = 'coins'), 0),
                   COALESCE(SUM(l.amount) FILTER (WHERE l.currency = 'crystals'), 0)
            FROM {wallet} w LEFT JOIN {ledger} l ON l.user_id = w.user_id
            GROUP BY w.user_id, w.xp, w.coins, w.crystals
            """
        )
        wallets = cursor.fetchall()
        cursor.execute(
            f"SELECT ref, COUNT(*) FROM {ledger} WHERE reason = 'task_completed' GROUP BY ref"  # noqa: S608
        )
        paid = dict(cursor.fetchall())
        cursor.execute(f"SELECT id, status FROM {task}")  # noqa: S608
        tasks = dict(cursor.fetchall())
    db.close()
    return {"wallets": wallets, "paid": paid, "tasks": tasks}


def test_a_postgresql_restart_under_load_is_503s_then_every_write_applies_once():
    with throwaway_postgres() as postgres:
        admin = psycopg2.connect(postgres.url.rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE dreamtrack_faults")
        admin.close()
        env = app_env(
            DATABASE_URL=postgres.url,
            REDIS_URL="",  # an in-process cache: this test is about the database
            THROTTLE_LOGIN="1000/min",
            THROTTLE_USER="100000/min",
            THROTTLE_ANON="100000/min",
        )
        manage("migrate", "--noinput", env=env)
        with app_server(env, threads=8) as url:
            tokens = [_register(url, n) for n in range(PLAYERS)]
            tasks = {token: [_create_task(url, token, f"Task {i}") for i in range(TASKS_EACH)] for token in tokens}
            load = Load(url)
            threads = [threading.Thread(target=load.player, args=(t, ids), daemon=True) for t, ids in tasks.items()]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 60
            while load.done < PLAYERS * 2 and time.monotonic() < deadline:  # in full flow
                time.sleep(0.02)
            postgres.restart()
            for thread in threads:
                thread.join(timeout=120)
            assert not any(thread.is_alive() for thread in threads)

            statuses = [status for status, _ in load.answers]
            assert 500 not in statuses and 0 not in statuses, statuses
            assert all(200 <= s < 300 or 400 <= s < 500 or s == 503 for s in statuses), statuses
            unavailable = [json.loads(body) for status, body in load.answers if status == 503]
            assert unavailable, "the restart hit no request: the test proved nothing"
            assert all(body["code"] == "service_unavailable" for body in unavailable)
            # Reconnected by itself: the same server process answers from the database again.
            status, _, raw = http("GET", f"{url}/readyz")
            assert status == 200 and json.loads(raw)["checks"]["database"] is True, raw
            # A replay of every key is the first answer, and changes nothing.
            for token, ids in tasks.items():
                for task_id in ids:
                    status, headers, _ = http("POST", f"{url}/api/v1/tasks/{task_id}/complete/", token=token,
                                              headers={"Idempotency-Key": f"complete-{task_id}"})
                    assert status == 200 and headers.get("Idempotent-Replayed") == "true", (task_id, status)

        audit = _audit(postgres.url)
    all_ids = [task_id for ids in tasks.values() for task_id in ids]
    assert {audit["tasks"][task_id] for task_id in all_ids} == {"completed"}
    assert audit["paid"] == {f"task:{task_id}": 2 for task_id in all_ids}  # XP and coins, once each
    assert len(audit["wallets"]) == PLAYERS
    for _user, xp, coins, crystals, xp_sum, coins_sum, crystals_sum in audit["wallets"]:
        assert (xp, coins, crystals) == (xp_sum, coins_sum, crystals_sum)
        assert min(xp, coins, crystals) >= 0
