"""Profile one bench scenario in-process: where a request's time goes.

    python bench/hotspots.py complete [--requests 300] [--cprofile 25]

Same database, cache and settings as `make bench` (bench/run.py's environment),
same scenario data (bench/setup_data.py), but the requests are WSGI calls in
this process, one after another, so the figures are per request without the
load generator: wall and CPU milliseconds, and SQL statements per request
(with PostgreSQL's CPU and WAL per request, and the garbage collections that ran).
`--latency` adds the spread: percentiles of each request's wall and CPU time, and
the slowest requests with the milliseconds they waited on SQL statements, on
`COMMIT` and on Redis replies (whether a slow request waited on one of them or
on all: a stall of the machine).
`--cprofile N` also prints the N functions with the most own time (`--sort
cumulative` for the most time including callees; `--cpu` for CPU time only).

A tool for finding what to make faster; the figures to report are the ratios
of `make bench`.
"""
import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import bench_env, build_requests, ensure_database  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=[s.name for s in SCENARIOS])
    parser.add_argument("--requests", type=int, default=300, help="measured requests (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests first (default 30)")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N functions with most own time")
    parser.add_argument("--dump", metavar="FILE", help="with --cprofile, also save the profile for pstats (callers, callees)")
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime (default), cumulative...")
    parser.add_argument("--show-sql", action="store_true", help="print the SQL statements of the last request")
    parser.add_argument("--cpu", action="store_true", help="profile CPU time only (time spent waiting for "
                        "PostgreSQL and Redis left out)")
    parser.add_argument("--latency", action="store_true", help="also each request's wall and CPU time: "
                        "percentiles, and the slowest requests with their time waiting on SQL, COMMIT and Redis")
    parser.add_argument("--warm-profile", action="store_true", help="first one `me/` per bench user, as an app "
                        "opening does: the scenario then runs with each user's profile snapshot cached")
    return parser.parse_args()


def environ_for(request: dict) -> dict:
    path, _, query = request["path"].partition("?")
    body = (request["body"] or "").encode()
    environ = {
        "REQUEST_METHOD": request["method"],
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
    }
    for name, value in request["headers"].items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + key] = value
    return environ


def _backend_cpu_reader(connection):
    """A function giving the CPU seconds used so far by this connection's PostgreSQL
    backend (a local server's /proc), or None when that cannot be read."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    ticks = os.sysconf("SC_CLK_TCK")

    def read():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) / ticks, int(fields[12]) / ticks  # utime, stime

    return read


def _wal_position(connection):
    """PostgreSQL's current WAL insert position (server-wide; the machine should be quiet)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        return cursor.fetchone()[0]


def _wal_bytes(connection, start, end) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s, %s)", [end, start])
        return int(cursor.fetchone()[0])


class _Waits:
    """With --latency: seconds the current request spent waiting on SQL statements (timed by
    the execute wrapper), on COMMIT and on Redis replies (both timed by wrapping the method)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.sql = self.commit = self.redis = 0.0

    def install(self) -> None:
        import redis.connection
        from django.db.backends.base.base import BaseDatabaseWrapper

        def timed(cls, name, slot):
            original = getattr(cls, name)

            def wrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    setattr(self, slot, getattr(self, slot) + time.perf_counter() - start)

            setattr(cls, name, wrapper)

        timed(BaseDatabaseWrapper, "_commit", "commit")
        timed(redis.connection.AbstractConnection, "read_response", "redis")


def _print_latency(samples: list[tuple]) -> None:
    """samples: (wall s, CPU s, SQL wait s, COMMIT wait s, Redis wait s) per request."""
    def ms(value: float) -> str:
        return f"{value * 1000:.2f}"

    for label, column in (("wall", 0), ("CPU", 1)):
        values = sorted(sample[column] for sample in samples)
        marks = [values[min(len(values) - 1, int(q * len(values)))] for q in (0.5, 0.9, 0.99, 0.999)]
        print(f"{label} ms: p50 {ms(marks[0])}, p90 {ms(marks[1])}, p99 {ms(marks[2])}, "
              f"p99.9 {ms(marks[3])}, max {ms(values[-1])}")
    walls = sorted(sample[0] for sample in samples)
    median = walls[len(walls) // 2]
    beyond = sum(wall - 2 * median for wall in walls if wall > 2 * median)
    print(f"time beyond twice the median wall: {100 * beyond / sum(walls):.0f} % of all wall time")
    means = [sum(sample[i] for sample in samples) / len(samples) for i in (2, 3, 4)]
    print(f"waiting, mean ms per request: SQL {ms(means[0])}, COMMIT {ms(means[1])}, Redis {ms(means[2])}")
    print("slowest (ms): wall, CPU, SQL, COMMIT, Redis")
    for sample in sorted(samples)[-8:]:
        print("  " + ", ".join(ms(value) for value in sample))


class _GcTimer:
    """A gc callback: how many collections of each generation ran, and their CPU time."""

    def __init__(self):
        self.counts, self.seconds, self._start = [0, 0, 0], [0.0, 0.0, 0.0], 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.process_time()
        else:
            self.counts[info["generation"]] += 1
            self.seconds[info["generation"]] += time.process_time() - self._start


def main() -> int:
    args = parse_args()
    scenario = next(s for s in SCENARIOS if s.name == args.scenario)
    env = bench_env()
    ensure_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    # As `make bench` does: scenarios such as purchase buy an item of the seeded catalog.
    subprocess.run([sys.executable, "manage.py", "seed"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    # DEBUG is off: without the manifest every image URL logs an error, which is not what is measured.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "setup.json"
        names = [scenario.name, "me"] if args.warm_profile else [scenario.name]
        subprocess.run([sys.executable, "bench/setup_data.py", str(out), *names], cwd=ROOT, env=env, check=True)
        setup = json.loads(out.read_text())
    requests = build_requests(scenario, setup[scenario.name])
    opening = build_requests(next(s for s in SCENARIOS if s.name == "me"), setup["me"]) if args.warm_profile else []
    needed = args.warmup + args.requests
    if scenario.consumable and len(requests) < needed:
        sys.exit(f"hotspots: the scenario has {len(requests)} requests to use up, fewer than {needed}")

    os.environ.update(env)
    from django.db import connection

    from dreamtrack.wsgi import application  # what gunicorn serves (dreamtrack/wsgi.py)
    statements = [0]
    last_sql = []

    waits = _Waits()
    if args.latency:
        waits.install()

    def count(execute, sql, params, many, context):
        statements[0] += 1
        last_sql.append((sql, params))
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waits.sql += time.perf_counter() - start

    def send(request: dict) -> str:
        status = []
        body = application(environ_for(request), lambda s, h, exc_info=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0]

    def call(i: int) -> str:
        return send(requests[i % len(requests)])

    for request in opening:
        send(request)
    for i in range(args.warmup):
        status = call(i)
        if int(status[:3]) >= 400:
            sys.exit(f"hotspots: the warm-up got {status}")
    collector = _GcTimer()
    gc.callbacks.append(collector)
    backend = _backend_cpu_reader(connection)
    backend_before = backend()
    wal_before = _wal_position(connection)
    profiler = (cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()) if args.cprofile else None
    with connection.execute_wrapper(count):
        wall, cpu, times = time.perf_counter(), time.process_time(), os.times()
        if profiler:
            profiler.enable()
        samples = []
        for i in range(args.warmup, needed):
            last_sql.clear()
            if args.latency:
                waits.reset()
                started, started_cpu = time.perf_counter(), time.process_time()
                call(i)
                samples.append((time.perf_counter() - started, time.process_time() - started_cpu,
                                waits.sql, waits.commit, waits.redis))
            else:
                call(i)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        system = os.times().system - times.system
    gc.callbacks.remove(collector)
    backend_after = backend()
    wal_after = _wal_position(connection)
    n = args.requests
    print(f"{scenario.method} {scenario.path}: {n} requests, "
          f"{wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU ({system / n * 1000:.2f} of it in the kernel), "
          f"{statements[0] / n:.1f} SQL statements each"
          + (" (with cProfile's overhead)" if profiler else ""))
    if backend_before is not None and backend_after is not None:
        user_s, system_s = (after - before for after, before in zip(backend_after, backend_before, strict=True))
        print(f"PostgreSQL's backend process: {(user_s + system_s) / n * 1000:.2f} ms CPU each "
              f"({system_s / n * 1000:.2f} of it in the kernel)")
    print(f"Garbage collections (young, middle, full): {collector.counts}, "
          f"{', '.join(f'{t * 1000:.1f}' for t in collector.seconds)} ms of CPU in all")
    if wal_before is not None:
        print(f"PostgreSQL WAL written: {_wal_bytes(connection, wal_before, wal_after) / n:.0f} bytes each")
    if samples:
        _print_latency(samples)
    if args.show_sql:
        for sql, params in last_sql:
            print(f"\n{sql}\n  -- params: {params!r}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, statement FROM pg_prepared_statements ORDER BY name")
                for name, statement in cursor.fetchall():
                    print(f"\n-- prepared {name}:\n{statement}")
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(args.sort).print_stats(args.cprofile)
        if args.dump:
            profiler.dump_stats(args.dump)
        print(stream.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
