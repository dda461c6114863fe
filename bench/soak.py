"""`make soak`: a bounded mixed load on every value-moving endpoint, then a ledger audit.

    python bench/soak.py [--duration 300] [--users 40] [--concurrency 8] [--url URL --pid PID]

Without --url it migrates and seeds its own database (`dreamtrack_soak`, created if
missing; DATABASE_URL / REDIS_URL override it) and starts gunicorn on a free port of 127.0.0.1 with
production-like settings (DEBUG off, Argon2, persistent connections, Redis cache;
throttle rates raised, as in `make bench`, so that the run measures the code and not
the rate limiter). With --url it drives that server instead; DATABASE_URL must then
name that server's database (users are set up and audited there), and --pid its
process for the memory samples.

Steps:
1. set-up through the services, not HTTP (fast): `--users` players, each funded, with
   tasks, dream steps, build and quit habits and a few boosts, and an access token
   (`tokens_for`); when `/api/v1/trades/` exists, friendships for trades;
2. the `/healthz` floor: p50/p95 latency of the empty endpoint at the same concurrency;
3. the load: `--concurrency` threads (httpx) for `--duration` seconds, each picking a
   random player and action: task complete and reopen, habit check-in and undo,
   quit-habit log, shop purchase, boost use, roulette spin, dream completion and, when
   the trades app answers, trade create, accept, reject and cancel. Some requests go twice at
   once (half of them with one Idempotency-Key), and some successful keyed requests are
   replayed later and must come back identical with `Idempotent-Replayed: true`;
4. meanwhile the server's resident memory (its process and children, /proc) every
   `--rss-interval` seconds;
5. the audit (apps/progression/audit.py) and the verdict. It fails on: a 5xx, a status
   the action does not allow, a transport error, a duplicate applied twice, a replay that
   differs, a ledger audit problem, or memory growing more than `--rss-limit-mb` between
   the end of the warm-up and the end of the run.

The module is also imported by the short CI version (apps/progression/tests/test_soak.py),
which drives pytest's live server for about 16 s.
"""
import argparse
import collections
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from io import StringIO
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DB_NAME = "dreamtrack_soak"
UNLIMITED = "1000000/min"
PASSWORD = "soak-password-123"


# --- set-up (Django, in this process) ------------------------------------------------

@dataclass
class Player:
    index: int
    user_id: int
    token: str
    open_tasks: list = field(default_factory=list)
    done_tasks: list = field(default_factory=list)
    build_habits: list = field(default_factory=list)
    quit_habits: list = field(default_factory=list)
    dreams: dict = field(default_factory=dict)  # dream id -> its step task ids
    boosts: list = field(default_factory=list)  # inventory ids of boosts
    friends: list = field(default_factory=list)  # Player indexes
    lock: threading.Lock = field(default_factory=threading.Lock)


def trades_exist() -> bool:
    """Does the URL conf route `/api/v1/trades/` to a view of its own (not the API's 404)?"""
    from django.urls import Resolver404, resolve

    from apps.core import views as core_views

    try:
        return resolve("/api/v1/trades/").func is not core_views.api_not_found
    except Resolver404:
        return False


def prepare_players(count: int, *, tag: str, tasks: int = 20, dreams: int = 6) -> list[Player]:
    from apps.accounts.services import tokens_for, user_register
    from apps.dreams.services import dream_create, dream_steps_add
    from apps.habits.services import habit_create
    from apps.progression.services import progress_grant
    from apps.shop.models import Item
    from apps.shop.services import item_purchase
    from apps.tasks.services import task_create

    difficulties = ("trivial", "easy", "medium", "hard")
    boost_items = list(Item.objects.filter(is_active=True, type="boost", price_coins__isnull=False, min_level__lte=1))
    players = []
    for index in range(count):
        user = user_register(username=f"soak_{tag}_{index}", email=f"soak_{tag}_{index}@example.com", password=PASSWORD)
        progress_grant(user=user, coins=200_000, crystals=200, reason="soak_fund")
        player = Player(index=index, user_id=user.pk, token=tokens_for(user)["access"])
        player.open_tasks = [task_create(user=user, title=f"Soak task {n}", difficulty=difficulties[n % 4]).pk for n in range(tasks)]
        for n in range(dreams):
            dream = dream_create(user=user, title=f"Soak dream {n}")
            steps = dream_steps_add(user=user, dream_id=dream.pk, steps=[{"title": f"Step {s}", "difficulty": "easy"} for s in range(2)])
            player.dreams[dream.pk] = [step.pk for step in steps]
            player.open_tasks += [step.pk for step in steps]
        player.build_habits = [
            habit_create(user=user, title=f"Soak habit {n}", kind="build", difficulty=difficulties[n], target_per_day=3).pk
            for n in range(2)
        ]
        player.quit_habits = [habit_create(user=user, title="Soak quit", kind="quit", baseline_per_day=5, unit="cigarettes").pk]
        for item in boost_items:
            player.boosts.append(item_purchase(user=user, item_id=item.pk, currency="coins", quantity=3).inventory_item.pk)
        players.append(player)
    return players


def remint_tokens(players: list[Player]) -> None:
    from django.contrib.auth import get_user_model

    from apps.accounts.services import tokens_for

    users = get_user_model().objects.in_bulk([p.user_id for p in players])
    for player in players:
        player.token = tokens_for(users[player.user_id])["access"]


def catalog() -> list[dict]:
    from apps.shop.models import Item

    items = []
    for item in Item.objects.filter(is_active=True):
        if item.price_coins is not None:
            items.append({"id": item.pk, "currency": "coins"})
        elif item.price_crystals is not None:
            items.append({"id": item.pk, "currency": "crystals"})
    return items


def befriend(base_url: str, players: list[Player]) -> None:
    """Each player befriends the next one (a ring), through the API: request and accept."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for player in players:
            other = players[(player.index + 1) % len(players)]
            if other is player:
                continue
            sent = client.post("/api/v1/friends/requests/", json={"user_id": other.user_id}, headers=_auth(player))
            if sent.status_code != 201:
                continue
            client.post(f"/api/v1/friends/requests/{sent.json()['id']}/accept/", headers=_auth(other))
            player.friends.append(other.index)
            other.friends.append(player.index)


# --- the calls ---------------------------------------------------------------------------

@dataclass
class Call:
    endpoint: str  # the route as reported: "POST tasks/{id}/complete/"
    method: str
    path: str
    player: Player
    body: dict | None = None
    allowed: tuple = (200, 409)
    # At most one of two identical requests sent at once may succeed (a second complete of
    # the same task must be refused); stackable things (purchases of boosts, logs) may not.
    exclusive: bool = False
    idempotent: bool = True  # accepts an Idempotency-Key (the contract's value-moving POSTs)
    after: Callable | None = None  # (response) -> None: keeps the player's state roughly current


def _auth(player: Player) -> dict:
    return {"Authorization": f"Bearer {player.token}"}


def _move(player: Player, task_id: int, *, done: bool) -> None:
    with player.lock:
        source, target = (player.open_tasks, player.done_tasks) if done else (player.done_tasks, player.open_tasks)
        if task_id in source:
            source.remove(task_id)
            target.append(task_id)


class Actions:
    """Each action picks what to act on from a player's state and returns a Call (or None)."""

    def __init__(self, players: list[Player], items: list[dict], *, trades: bool):
        self.players = players
        self.items = items
        self.trades = trades
        self.pending_trades: list[tuple[int, int, int]] = []  # (trade id, requester index, recipient index)
        self.trades_lock = threading.Lock()
        self.weights = {
            self.task_complete: 6,
            self.task_reopen: 3,
            self.check_in: 4,
            self.check_in_undo: 2,
            self.quit_log: 2,
            self.purchase: 3,
            self.boost_use: 1,
            self.spin: 1,
            self.dream_complete: 2,
        }
        if trades:
            self.weights.update({self.trade_create: 3, self.trade_accept: 1, self.trade_reject: 1, self.trade_cancel: 1})

    def pick(self, rng: random.Random) -> Call | None:
        action = rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        return action(rng.choice(self.players), rng)

    def task_complete(self, player, rng, task_id=None):
        with player.lock:
            pool = player.open_tasks or player.done_tasks
            task_id = task_id or rng.choice(pool)

        def after(response):
            if response.status_code in (200, 409):
                _move(player, task_id, done=True)

        return Call("POST tasks/{id}/complete/", "POST", f"/api/v1/tasks/{task_id}/complete/", player, exclusive=True, after=after)

    def task_reopen(self, player, rng):
        with player.lock:
            pool = player.done_tasks or player.open_tasks
            task_id = rng.choice(pool)

        def after(response):
            if response.status_code == 200:
                _move(player, task_id, done=False)

        return Call("POST tasks/{id}/reopen/", "POST", f"/api/v1/tasks/{task_id}/reopen/", player, exclusive=True, after=after)

    def check_in(self, player, rng):
        habit = rng.choice(player.build_habits)
        return Call("POST habits/{id}/check-in/", "POST", f"/api/v1/habits/{habit}/check-in/", player, body={}, allowed=(201, 409))

    def check_in_undo(self, player, rng):
        habit = rng.choice(player.build_habits)
        return Call("DELETE habits/{id}/check-in/", "DELETE", f"/api/v1/habits/{habit}/check-in/", player)

    def quit_log(self, player, rng):
        habit = rng.choice(player.quit_habits)
        return Call("POST habits/{id}/logs/", "POST", f"/api/v1/habits/{habit}/logs/", player, body={"count": rng.randint(0, 3)}, allowed=(201,))

    def purchase(self, player, rng):
        item = rng.choice(self.items)
        return Call(
            "POST shop/items/{id}/purchase/", "POST", f"/api/v1/shop/items/{item['id']}/purchase/", player,
            body={"currency": item["currency"], "quantity": 1}, allowed=(201, 409),
        )

    def boost_use(self, player, rng):
        if not player.boosts:
            return None
        inventory_id = rng.choice(player.boosts)
        return Call("POST inventory/{id}/use/", "POST", f"/api/v1/inventory/{inventory_id}/use/", player, exclusive=True)

    def spin(self, player, rng):
        return Call("POST roulette/spin/", "POST", "/api/v1/roulette/spin/", player, body={}, exclusive=True)

    def dream_complete(self, player, rng):
        dream_id = rng.choice(list(player.dreams))
        return Call("POST dreams/{id}/complete/", "POST", f"/api/v1/dreams/{dream_id}/complete/", player, exclusive=True)

    def dream_steps(self, call: Call) -> list[Call]:
        """A dream completion is preceded by the completion of its steps (else it is only 409s)."""
        dream_id = int(call.path.rstrip("/").split("/")[-2])
        return [self.task_complete(call.player, None, task_id=step) for step in call.player.dreams[dream_id]]

    # Trades: only when the URL conf has them (the contract's request and response shapes).
    def trade_create(self, player, rng):
        if not player.friends:
            return None
        recipient = self.players[rng.choice(player.friends)]
        items = [{"inventory_id": rng.choice(player.boosts), "quantity": 1}] if player.boosts and rng.random() < 0.5 else []
        body = {"recipient_id": recipient.user_id, "offered": {"coins": rng.randint(1, 20), "items": items},
                "requested": {"coins": rng.randint(1, 5), "items": []}}

        def after(response):
            if response.status_code == 201 and "id" in response.json():
                with self.trades_lock:
                    self.pending_trades.append((response.json()["id"], player.index, recipient.index))

        return Call("POST trades/", "POST", "/api/v1/trades/", player, body=body, allowed=(201, 400, 409), after=after)

    def _pending(self, rng):
        with self.trades_lock:
            if not self.pending_trades:
                return None
            return self.pending_trades.pop(rng.randrange(len(self.pending_trades)))

    def trade_accept(self, player, rng):
        picked = self._pending(rng)
        if picked is None:
            return None
        trade_id, _, recipient = picked
        return Call("POST trades/{id}/accept/", "POST", f"/api/v1/trades/{trade_id}/accept/", self.players[recipient], exclusive=True)

    def trade_reject(self, player, rng):
        picked = self._pending(rng)
        if picked is None:
            return None
        trade_id, _, recipient = picked
        return Call("POST trades/{id}/reject/", "POST", f"/api/v1/trades/{trade_id}/reject/", self.players[recipient],
                    exclusive=True, idempotent=False)

    def trade_cancel(self, player, rng):
        picked = self._pending(rng)
        if picked is None:
            return None
        trade_id, requester, _ = picked
        return Call("POST trades/{id}/cancel/", "POST", f"/api/v1/trades/{trade_id}/cancel/", self.players[requester],
                    exclusive=True, idempotent=False)


# --- the load ---------------------------------------------------------------------------

class Tally:
    """Thread-safe counts, latencies and findings of one run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.defaultdict(collections.Counter)  # endpoint -> status -> n
        self.latencies = collections.defaultdict(list)  # endpoint -> seconds
        self.failures: list[str] = []
        self.counts = collections.Counter()

    def record(self, call: Call, response: httpx.Response | None, seconds: float, error: str = "") -> None:
        with self.lock:
            if response is None:
                self.statuses[call.endpoint]["error"] += 1
                self._fail(f"{call.method} {call.path}: {error}")
                return
            status = response.status_code
            label = status
            if 400 <= status < 500:  # "409 already_completed": which rule refused it
                try:
                    label = f"{status} {response.json().get('code')}"
                except ValueError:
                    pass
            self.statuses[call.endpoint][label] += 1
            self.latencies[call.endpoint].append(seconds)
            if status >= 500:
                self._fail(f"{call.method} {call.path}: {status} {response.text[:300]}")
            elif status not in call.allowed:
                self._fail(f"{call.method} {call.path}: unexpected {status} {response.text[:300]}")

    def fail(self, message: str) -> None:
        with self.lock:
            self._fail(message)

    def _fail(self, message: str) -> None:
        self.counts["failures"] += 1
        if len(self.failures) < 50:
            self.failures.append(message)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n


def send(client: httpx.Client, call: Call, tally: Tally, key: str | None = None) -> httpx.Response | None:
    headers = _auth(call.player)
    if key:
        headers["Idempotency-Key"] = key
    start = time.perf_counter()
    try:
        response = client.request(call.method, call.path, json=call.body, headers=headers)
    except httpx.HTTPError as exc:
        tally.record(call, None, time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}")
        return None
    tally.record(call, response, time.perf_counter() - start)
    if call.after and response.status_code < 500:
        call.after(response)
    return response


def _replayed(response: httpx.Response) -> bool:
    return response.headers.get("Idempotent-Replayed") == "true"


def send_twice_at_once(clients, call: Call, tally: Tally, *, same_key: bool, parallel: bool) -> None:
    keys = [uuid.uuid4().hex] * 2 if same_key else [None, None]
    if same_key:  # the later of the two may find the first still running
        call = replace(call, allowed=(*call.allowed, 409))
    responses: list = [None, None]
    if parallel:
        barrier = threading.Barrier(2)

        def one(i):
            barrier.wait(timeout=30)
            responses[i] = send(clients[i], call, tally, key=keys[i])

        second = threading.Thread(target=one, args=(1,))
        second.start()
        one(0)
        second.join()
    else:  # one connection at a time (SQLite's shared in-memory test database): back to back
        responses = [send(clients[0], call, tally, key=keys[0]), send(clients[1], call, tally, key=keys[1])]
    tally.count("duplicate pairs")
    if same_key:
        tally.count("duplicate pairs with one key")
    applied = [r for r in responses if r is not None and r.is_success and not _replayed(r)]
    if len(applied) > 1 and (same_key or call.exclusive):
        tally.fail(f"{call.method} {call.path}: applied twice by two identical requests sent at once (same key: {same_key})")
    if same_key and all(r is not None and r.is_success for r in responses) and responses[0].json() != responses[1].json():
        tally.fail(f"{call.method} {call.path}: one key, two different successful bodies")


def replay(client: httpx.Client, stored, tally: Tally) -> None:
    call, key, first = stored
    response = send(client, call, tally, key=key)
    tally.count("replays")
    if response is None:
        return
    if response.status_code != first.status_code or not _replayed(response) or response.json() != first.json():
        tally.fail(
            f"{call.method} {call.path}: replay of key {key} answered {response.status_code} "
            f"(replayed: {_replayed(response)}), first {first.status_code}"
        )


class Claims:
    """The objects the workers are acting on. A worker leaves alone an object another one is
    acting on, so that the verdict on a pair sent at once ("applied at most once") is not
    confused by a third request reversing the first in between (a reopen between two
    completes). Pairs still hit one object at once, and the workers still hit different
    objects of one user, so one wallet, at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held: set = set()

    @staticmethod
    def key(call: Call) -> tuple[int, str]:
        # "/api/v1/tasks/12/complete/" -> (player, "/api/v1/tasks/12/"): every action on that task.
        return call.player.index, re.sub(r"[^/]+/$", "", call.path) if call.path.count("/") > 4 else call.path

    def take(self, calls: list[Call]) -> bool:
        keys = {self.key(c) for c in calls}
        with self.lock:
            if keys & self.held:
                return False
            self.held |= keys
            return True

    def release(self, calls: list[Call]) -> None:
        with self.lock:
            self.held -= {self.key(c) for c in calls}


def drive(base_url: str, actions: Actions, *, duration: float, concurrency: int, tally: Tally,
          parallel_duplicates: bool = True, seed: int = 1, duplicate_rate: float = 0.12,
          key_rate: float = 0.5, replay_rate: float = 0.08) -> None:
    deadline = time.monotonic() + duration
    replay_pool = collections.deque(maxlen=500)
    pool_lock = threading.Lock()
    claims = Claims()

    def act(clients, call: Call, steps: list[Call], rng: random.Random) -> None:
        for step in steps:
            send(clients[0], step, tally)
        roll = rng.random()
        if roll < duplicate_rate:
            same_key = call.idempotent and rng.random() < 0.5
            send_twice_at_once(clients, call, tally, same_key=same_key, parallel=parallel_duplicates)
        elif roll < duplicate_rate + replay_rate:
            with pool_lock:
                stored = replay_pool.popleft() if replay_pool else None
            if stored:
                replay(clients[0], stored, tally)
        else:
            key = uuid.uuid4().hex if call.idempotent and rng.random() < key_rate else None
            response = send(clients[0], call, tally, key=key)
            if key and response is not None and response.is_success:
                with pool_lock:
                    replay_pool.append((call, key, response))

    def worker(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(2)]
        try:
            while time.monotonic() < deadline:
                call = actions.pick(rng)
                if call is None:
                    continue
                # A dream's completion is mostly preceded by its steps' (else it is only 409s).
                steps = actions.dream_steps(call) if call.endpoint == "POST dreams/{id}/complete/" and rng.random() < 0.7 else []
                if not claims.take([call, *steps]):
                    continue
                try:
                    act(clients, call, steps, rng)
                finally:
                    claims.release([call, *steps])
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=worker, args=(n,), name=f"soak-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def healthz_floor(base_url: str, *, seconds: float, concurrency: int) -> list[float]:
    """Latencies of `/healthz` (no database, no cache) at the run's concurrency."""
    latencies, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                try:
                    response = client.get("/healthz")
                except httpx.HTTPError:
                    continue
                elapsed = time.perf_counter() - start
                if response.status_code == 200:
                    with lock:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


# --- memory ----------------------------------------------------------------------------------

def process_tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                stack += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def tree_rss_kib(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class RssSampler(threading.Thread):
    """The resident memory of a process and its children, every `interval` seconds."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True, name="soak-rss")
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []  # (seconds since start, KiB)
        self.stopped = threading.Event()
        self.start_time = time.monotonic()

    def run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self.start_time, tree_rss_kib(self.pid)))
            if self.stopped.wait(self.interval):
                self.samples.append((time.monotonic() - self.start_time, tree_rss_kib(self.pid)))
                return

    def stop(self) -> None:
        self.stopped.set()
        self.join()


# --- a whole run -------------------------------------------------------------------------------

@dataclass
class SoakResult:
    ok: bool
    summary: str
    requests: int
    statuses: dict
    rss_first_mib: float
    rss_last_mib: float
    audit_ok: bool


def once_only_problems(user_ids: list[int]) -> list[str]:
    """What the contract pays once, paid once: a spin per user and local day, a dream's reward."""
    from django.db.models import Count

    from apps.roulette.models import RouletteSpin
    from apps.wallet.models import LedgerEntry

    problems = [
        f"user {row['user_id']}: {row['n']} roulette spins on {row['local_date']}"
        for row in RouletteSpin.objects.filter(user_id__in=user_ids).values("user_id", "local_date")
        .annotate(n=Count("id")).filter(n__gt=1).order_by()
    ]
    problems += [
        f"user {row['user_id']}: {row['ref']} paid {row['n']} times in {row['currency']}"
        for row in LedgerEntry.objects.filter(user_id__in=user_ids, reason="dream_completed")
        .values("user_id", "ref", "currency").annotate(n=Count("id")).filter(n__gt=1).order_by()
    ]
    return problems


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def soak(base_url: str, *, server_pid: int | None, duration: float, users: int, concurrency: int,
         parallel_duplicates: bool = True, rss_interval: float = 3.0, rss_limit_mb: float = 32.0,
         warmup: float | None = None, floor_seconds: float = 5.0, seed: int = 1, tag: str | None = None,
         log=print) -> SoakResult:
    from apps.progression.audit import ledger_audit

    tag = tag or time.strftime("%Y%m%d%H%M%S")
    started = time.monotonic()
    players = prepare_players(users, tag=tag)
    trades = trades_exist()
    if trades:
        befriend(base_url, players)
    actions = Actions(players, catalog(), trades=trades)
    log(f"soak: set up {users} players in {time.monotonic() - started:.1f} s; trades {'on' if trades else 'absent'}")

    floor = healthz_floor(base_url, seconds=floor_seconds, concurrency=concurrency)
    floor_p50, floor_p95 = _percentile(floor, 0.5), _percentile(floor, 0.95)

    sampler = RssSampler(server_pid, rss_interval) if server_pid else None
    if sampler:
        sampler.start()
    tally = Tally()
    log(f"soak: driving {base_url} for {duration:.0f} s with {concurrency} threads")
    load_start = time.monotonic()
    remaining = duration
    while remaining > 0:  # access tokens last 15 minutes: fresh ones every 10
        chunk = min(remaining, 600)
        drive(base_url, actions, duration=chunk, concurrency=concurrency, tally=tally,
              parallel_duplicates=parallel_duplicates, seed=seed + int(duration - remaining))
        remaining -= chunk
        if remaining > 0:
            remint_tokens(players)
    elapsed = time.monotonic() - load_start
    if sampler:
        sampler.stop()

    audit = ledger_audit()
    once = once_only_problems([p.user_id for p in players])

    # The verdict and its summary.
    lines = [f"soak: {elapsed:.0f} s of load, {users} users, {concurrency} threads, trades {'included' if trades else 'absent'}"]
    lines.append(f"/healthz floor ({len(floor)} requests): p50 {floor_p50 * 1000:.1f} ms, p95 {floor_p95 * 1000:.1f} ms")
    lines.append(f"{'endpoint':34} {'requests':>8}  {'p50/floor':>9} {'p95/floor':>9}  statuses")
    total, by_status = 0, collections.Counter()
    for endpoint in sorted(tally.statuses):
        statuses = tally.statuses[endpoint]
        n = sum(statuses.values())
        total += n
        for label, count in statuses.items():
            by_status[str(label).split()[0]] += count
        latencies = tally.latencies[endpoint]
        p50 = _percentile(latencies, 0.5) / floor_p50 if floor_p50 else 0
        p95 = _percentile(latencies, 0.95) / floor_p95 if floor_p95 else 0
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
        lines.append(f"{endpoint:34} {n:>8}  {p50:>9.1f} {p95:>9.1f}  {shown}")
    lines.append(f"total: {total} requests, {total / elapsed:.1f}/s; by status: "
                 + " ".join(f"{k}:{v}" for k, v in sorted(by_status.items())))
    lines.append(f"duplicates sent at once: {tally.counts['duplicate pairs']} pairs "
                 f"({tally.counts['duplicate pairs with one key']} with one Idempotency-Key); replays: {tally.counts['replays']}")

    ok = True
    server_errors = sum(v for k, v in by_status.items() if k.isdigit() and int(k) >= 500)
    if tally.counts["failures"]:
        ok = False
        lines.append(f"FAILURES: {tally.counts['failures']} (5xx: {server_errors})")
        lines += [f"  - {f}" for f in tally.failures]
    else:
        lines.append("no 5xx, no unexpected status, no transport error, no double application, every replay identical")

    rss_first = rss_last = 0.0
    if sampler and sampler.samples:
        warm = warmup if warmup is not None else min(60.0, elapsed * 0.2)
        after_warmup = [kib for t, kib in sampler.samples if t >= warm] or [sampler.samples[-1][1]]
        rss_first, rss_last = sampler.samples[0][1] / 1024, sampler.samples[-1][1] / 1024
        base = statistics.median(after_warmup[:3]) / 1024
        end = statistics.median(after_warmup[-3:]) / 1024
        peak = max(kib for _, kib in sampler.samples) / 1024
        growth = end - base
        verdict = "flat" if growth <= rss_limit_mb else "GROWING"
        lines.append(f"server RSS ({len(sampler.samples)} samples every {rss_interval:.0f} s): first {rss_first:.1f} MiB, "
                     f"after {warm:.0f} s warm-up {base:.1f} MiB, last {rss_last:.1f} MiB, peak {peak:.1f} MiB; "
                     f"growth after warm-up {growth:+.1f} MiB (limit {rss_limit_mb:.0f}): {verdict}")
        if growth > rss_limit_mb:
            ok = False
    else:
        lines.append("server RSS: not sampled (no --pid)")

    if once:
        ok = False
        lines.append("PAID TWICE:\n" + "\n".join(f"  - {p}" for p in once))
    else:
        lines.append("paid once: at most one spin per user and day, each dream's reward once")
    lines.append(audit.report())
    ok = ok and audit.ok
    lines.append("SOAK PASSED" if ok else "SOAK FAILED")
    summary = "\n".join(lines)
    return SoakResult(ok=ok, summary=summary, requests=total, statuses=dict(by_status),
                      rss_first_mib=rss_first, rss_last_mib=rss_last, audit_ok=audit.ok)


# --- `make soak` -------------------------------------------------------------------------------

def soak_env(database_url: str, redis_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "soak-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        # Empty rather than unset: settings also read .env, which must not turn DEBUG on.
        "DEBUG": "",
        "SECURE_TLS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dreamtrack.settings",
        "THROTTLE_ANON": UNLIMITED,
        "THROTTLE_USER": UNLIMITED,
        "THROTTLE_LOGIN": UNLIMITED,
        "THROTTLE_SPEND": UNLIMITED,
        "THROTTLE_AI": UNLIMITED,
    }


def ensure_database(database_url: str) -> None:
    if not database_url.startswith("postgres"):
        return
    name = database_url.rsplit("/", 1)[-1].split("?")[0]
    base = database_url.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(["psql", base, "-qtAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if exists != "1":
        print(f"soak: creating database {name}", flush=True)
        subprocess.run(["psql", base, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(env: dict, workers: int, threads: int, port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn on `port`, answering /healthz; never a server that was already there."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            sys.exit(f"soak: something already listens on {HOST}:{port}; choose another --port.")
    command = [sys.executable, "-m", "gunicorn", "dreamtrack.wsgi:application", "--workers", str(workers),
               "--bind", f"{HOST}:{port}", "--access-logfile", "/dev/null"]
    if threads > 1:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                              stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200 and server.poll() is None:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(server)
    sys.exit("soak: gunicorn did not answer /healthz within 30 s. Its log:\n" + log_path.read_text()[-4000:])


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    parser.add_argument("--users", type=int, default=40, help="players (default 40)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--url", help="drive this server instead of starting one (DATABASE_URL must be its database)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process, for memory samples")
    parser.add_argument("--port", type=int, default=0, help="port for the gunicorn it starts (default: a free one)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1: sync)")
    parser.add_argument("--rss-interval", type=float, default=3.0, help="seconds between memory samples")
    parser.add_argument("--rss-limit-mb", type=float, default=32.0, help="allowed growth after the warm-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    env = soak_env(database_url, redis_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if not args.url:
        ensure_database(database_url)

    import django
    from django.core.management import call_command

    django.setup()
    server = None
    if args.url:
        base_url, pid = args.url.rstrip("/"), args.pid
    else:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("seed", stdout=StringIO())
        log_path = Path("/tmp") / f"soak-gunicorn-{os.getpid()}.log"
        port = args.port or free_port()
        server = start_server(env, args.workers, args.threads, port, log_path)
        base_url, pid = f"http://{HOST}:{port}", server.pid
        print(f"soak: gunicorn pid {pid}, {args.workers} workers x {args.threads} threads, log {log_path}", flush=True)
    try:
        result = soak(base_url, server_pid=pid, duration=args.duration, users=args.users,
                      concurrency=args.concurrency, rss_interval=args.rss_interval,
                      rss_limit_mb=args.rss_limit_mb, seed=args.seed, floor_seconds=10)
    finally:
        if server:
            stop_server(server)
    print(result.summary, flush=True)
    if args.json:
        args.json.write_text(json.dumps(result.__dict__, indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
