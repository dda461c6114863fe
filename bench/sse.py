"""Live events under load: N open streams on one uvicorn instance (`make bench-sse`).

    python bench/sse.py [--streams 1000] [--rounds 5]

Steps: a database of its own (dreamtrack_bench_sse, migrated), Redis db 13, N players
(made once, kept), one uvicorn instance of `dreamtrack.asgi` on 127.0.0.1:8766. Then:

1. the /healthz floor: the median time of sequential `GET /healthz` on that instance;
2. N streams opened at once (httpx, one asyncio client), each for its own player, each
   counted as open when its `: connected` line arrives;
3. the instance's resident memory before and with the N streams open: per open stream;
4. the same /healthz floor again with the N streams open (the loop is shared with them);
5. `--singles` notifications one at a time, each to one open stream (the everyday case):
   the time from just before `notify_many` (in this process) to the stream reading it;
6. `--rounds` bursts: one notification for each of the N players at once (`notify_many`:
   one INSERT of N rows, then one Redis pipeline of N publishes), and the time from just
   before that call to each stream reading its event: p50, p99, max over all streams and
   rounds. Latencies are also given as multiples of the idle /healthz floor.

With `--hold S` the streams then stay open S seconds more: run `make bench` (gunicorn, the
API) in another shell meanwhile and compare its ratios with a run without them.

Prints the figures; nothing is written to docs/benchmarks.md by the script (see the
"Live events" section there for how to read them). The client runs on the same machine
and competes for its cores, so the latencies are an upper bound of the server's share.
"""
import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8766
DB_NAME = "dreamtrack_bench_sse"
UNLIMITED = "1000000/min"


def bench_env() -> dict:
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL="redis://127.0.0.1:6379/13",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="",
        SECURE_TLS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dreamtrack.settings",
        THROTTLE_ANON=UNLIMITED,
        THROTTLE_USER=UNLIMITED,
        EVENTS_KEEPALIVE_SECONDS="15",
    )


def log(message: str) -> None:
    print(f"bench-sse: {message}", flush=True)


def psql(sql: str, *, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qtAc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def prepare_database(env: dict) -> None:
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
        log(f"creating database {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def players(count: int) -> list[tuple[int, str]]:
    """(user id, access token) of `count` bench players, made on first use."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    User = get_user_model()
    names = [f"sse_bench_{i}" for i in range(count)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, email=f"{n}@bench.invalid", password="!") for n in names if n not in have],
        batch_size=1000,
    )
    users = User.objects.filter(username__in=names).order_by("pk")
    return [(u.pk, str(AccessToken.for_user(u))) for u in users]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def free_to_bind() -> None:
    with socket.socket() as sock:
        if sock.connect_ex((HOST, PORT)) == 0:
            raise SystemExit(f"port {PORT} is in use")


def start_uvicorn(env: dict, logfile: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "dreamtrack.asgi:application", "--host", HOST, "--port", str(PORT),
               "--no-access-log", "--timeout-graceful-shutdown", "2", "--backlog", "4096"]
    with logfile.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def healthz_floor(samples: int = 300) -> float:
    """Median seconds of one sequential GET /healthz, on a client of its own: timed on the
    streams' client (1,000 connections in its pool) it measured mostly that client."""
    import httpx

    times = []
    async with httpx.AsyncClient() as client:
        for _ in range(samples):
            start = time.perf_counter()
            response = await client.get(f"http://{HOST}:{PORT}/healthz")
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    return statistics.median(times)


class Stream:
    def __init__(self, user_id: int, token: str):
        self.user_id, self.token = user_id, token
        self.connected = asyncio.Event()
        self.arrivals: list[float] = []
        self.expected = 0
        self.arrived = asyncio.Event()

    async def run(self, client) -> None:
        url = f"http://{HOST}:{PORT}/api/v1/events/stream/"
        async with client.stream("GET", url, headers={"Authorization": f"Bearer {self.token}"}) as response:
            assert response.status_code == 200, response.status_code
            async for line in response.aiter_lines():
                if line == ": connected":
                    self.connected.set()
                elif line.startswith("event: "):
                    self.arrivals.append(time.perf_counter())
                    if len(self.arrivals) >= self.expected:
                        self.arrived.set()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(args, uvicorn: subprocess.Popen, accounts: list[tuple[int, str]]) -> dict:
    import httpx

    from apps.notifications.services import notify_many

    limits = httpx.Limits(max_connections=args.streams + 10, max_keepalive_connections=args.streams + 10)
    timeout = httpx.Timeout(60.0)
    results: dict = {}
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        results["healthz_floor"] = await healthz_floor()
        # Warm-up: one stream opened, sent an event and closed, so the stream path's first-use
        # costs (imports, the Redis subscriber, connections) are not counted per stream.
        warm = Stream(*accounts[0])
        warm.expected = 1
        task = asyncio.create_task(warm.run(client))
        await asyncio.wait_for(warm.connected.wait(), 30)
        await asyncio.to_thread(notify_many, [(warm.user_id, "level_up", {"level": 0})])
        await asyncio.wait_for(warm.arrived.wait(), 30)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.5)
        rss_before = rss_kib(uvicorn.pid)

        streams = [Stream(user_id, token) for user_id, token in accounts]
        start = time.perf_counter()
        tasks = [asyncio.create_task(stream.run(client)) for stream in streams]
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in streams)), 120)
        results["open_seconds"] = time.perf_counter() - start
        await asyncio.sleep(1)  # let the server settle its allocations
        results["rss_per_stream_kib"] = (rss_kib(uvicorn.pid) - rss_before) / len(streams)
        results["healthz_floor_open"] = await healthz_floor()

        # One notification at a time to one of the open streams: the everyday case.
        singles: list[float] = []
        for stream in streams[:: max(1, len(streams) // args.singles)][: args.singles]:
            stream.expected, stream.arrived = 1, asyncio.Event()
            sent = time.perf_counter()
            await asyncio.to_thread(notify_many, [(stream.user_id, "friend_request", {})])
            await asyncio.wait_for(stream.arrived.wait(), 30)
            singles.append(stream.arrivals[0] - sent)
            stream.arrivals.clear()
        results["singles"] = singles

        latencies: list[float] = []
        for round_number in range(1, args.rounds + 1):
            for stream in streams:
                stream.expected, stream.arrived = round_number, asyncio.Event()
            rows = [(s.user_id, "level_up", {"level": round_number}) for s in streams]
            sent = time.perf_counter()
            await asyncio.to_thread(notify_many, rows)
            await asyncio.wait_for(asyncio.gather(*(s.arrived.wait() for s in streams)), 30)
            this_round = [s.arrivals[round_number - 1] - sent for s in streams]
            log(f"round {round_number}: p50 {percentile(this_round, 0.5) * 1000:.1f} ms, "
                f"max {max(this_round) * 1000:.1f} ms")
            latencies += this_round
            await asyncio.sleep(0.5)
        results["latency"] = latencies

        if args.hold:
            # For `make bench` in another shell: the API's ratios with these streams open.
            log(f"holding {len(streams)} streams open for {args.hold} s")
            await asyncio.sleep(args.hold)

        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--singles", type=int, default=50)
    parser.add_argument("--hold", type=int, default=0, help="then keep the streams open this many seconds")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, args.streams * 2 + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # inherited by uvicorn

    env = bench_env()
    prepare_database(env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    accounts = players(args.streams)
    log(f"{len(accounts)} players")

    free_to_bind()
    logfile = Path("/tmp") / f"bench-sse-uvicorn-{os.getpid()}.log"
    uvicorn = start_uvicorn(env, logfile)
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://{HOST}:{PORT}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or uvicorn.poll() is not None:
                raise SystemExit(f"uvicorn did not start; see {logfile}")
            time.sleep(0.2)
        results = asyncio.run(measure(args, uvicorn, accounts))
    finally:
        uvicorn.terminate()
        try:
            uvicorn.wait(timeout=10)
        except subprocess.TimeoutExpired:
            uvicorn.kill()
            uvicorn.wait()

    floor, latencies, singles = results["healthz_floor"], results["latency"], results["singles"]
    p50, p99, worst = percentile(latencies, 0.50), percentile(latencies, 0.99), max(latencies)
    s50, s99 = percentile(singles, 0.50), percentile(singles, 0.99)
    print()
    print(f"streams open at once            {args.streams} (opened in {results['open_seconds']:.2f} s)")
    print(f"uvicorn memory per open stream  {results['rss_per_stream_kib']:.1f} KiB")
    print(f"/healthz floor                  {floor * 1000:.2f} ms idle, "
          f"{results['healthz_floor_open'] * 1000:.2f} ms with the streams open "
          f"({floor / results['healthz_floor_open']:.2f}x the idle rate)")
    print(f"one notification, N open        p50 {s50 * 1000:.1f} ms, p99 {s99 * 1000:.1f} ms, "
          f"max {max(singles) * 1000:.1f} ms ({len(singles)} one at a time; "
          f"p50 {s50 / floor:.1f}x, p99 {s99 / floor:.1f}x /healthz)")
    print(f"N notifications at once -> each p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms "
          f"({len(latencies)} deliveries in {args.rounds} rounds)")
    print(f"  as multiples of /healthz      p50 {p50 / floor:.1f}x, p99 {p99 / floor:.1f}x")


if __name__ == "__main__":
    main()
