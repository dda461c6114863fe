"""`make bench`: load-test a few endpoints with wrk against a local gunicorn.

    python bench/run.py [--duration 10] [--only me,token] [--write-docs]

Steps: check wrk, start PostgreSQL/Redis, migrate and seed a dedicated
database (dreamtrack_bench), create bench users and scenario data
(bench/setup_data.py), start gunicorn on 127.0.0.1:8765 with production-like
settings (DEBUG off, Argon2, persistent connections, throttles set out of the
way), run wrk per scenario (bench/scenarios.py) after a short warm-up, print a
table, optionally write it to docs/benchmarks.md, and stop gunicorn.

The /healthz baseline always runs first; "ratio" is an endpoint's requests/s
divided by /healthz's in the same run, which cancels out the machine's speed.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DOCS = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(BENCH))

from scenarios import BASELINE, SCENARIOS, Scenario  # noqa: E402

HOST, PORT = "127.0.0.1", 8765
DB_NAME = "dreamtrack_bench"
RESULTS_START = "<!-- bench-results:start -->"
RESULTS_END = "<!-- bench-results:end -->"
UNLIMITED = "1000000/min"


def bench_env() -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL="redis://127.0.0.1:6379/14",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        # Empty rather than unset: settings also read .env, which must not turn DEBUG on.
        DEBUG="",
        SECURE_TLS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dreamtrack.settings",
        # Throttles would cap every figure at their rate: measure the code instead.
        THROTTLE_ANON=UNLIMITED,
        THROTTLE_USER=UNLIMITED,
        THROTTLE_LOGIN=UNLIMITED,
        THROTTLE_SPEND=UNLIMITED,
        # Every measured completion pays in full (past the cap it would skip most writes).
        DREAMTRACK_DAILY_COMPLETION_CAP="1000000000",
        THROTTLE_AI=UNLIMITED,
        # generate-steps answers 503 without a key. No worker runs during the bench, so the
        # queued jobs never call anything; were one started, the port refuses at once.
        OPENROUTER_API_KEY="bench-not-a-real-key",
        OPENROUTER_BASE_URL="http://127.0.0.1:9/api/v1",
    )
    return env


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def run(cmd: list, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kwargs)


# --- preparation -------------------------------------------------------------

def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if shutil.which("apt-get"):
        log("wrk not found, trying: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
        wrk = shutil.which("wrk")
        if wrk:
            return wrk
    sys.exit("bench: wrk is not installed and could not be installed. "
             "Install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) and retry.")


def psql(sql: str, *, database: str = "postgres") -> str:
    """Run one statement on the local server as postgres; its output, tuples only."""
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qtAc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def ensure_database() -> None:
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
        log(f"creating database {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME}")


def settle_database() -> None:
    """`VACUUM ANALYZE` the bench database: the completed tasks of earlier runs leave dead rows
    and the setup bulk-inserts new ones. Where autovacuum is off (as on this project's
    machines) nothing else would ever clean or analyze them, and each run would measure a
    more bloated database than the last; where it is on, it would start in the middle of a
    measurement. Either way every round starts from a settled database, as production's
    autovacuum keeps it."""
    psql("VACUUM ANALYZE", database=DB_NAME)


def prepare_data(scenarios: list[Scenario], env: dict, workdir: Path) -> dict:
    out = workdir / "setup.json"
    run([sys.executable, "bench/setup_data.py", str(out)] + [s.name for s in scenarios], env=env)
    return json.loads(out.read_text())


# --- requests and Lua ----------------------------------------------------------

def fill(template, variables: dict):
    """Fill {placeholders} in strings, recursively; "{x}" alone keeps x's type."""
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole:
            return variables[whole.group(1)]
        return template.format_map(variables)
    if isinstance(template, dict):
        return {fill(k, variables): fill(v, variables) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, variables) for v in template]
    return template


def expand(per_user_vars: list[dict]) -> list[dict]:
    """A setup that returns {"each": [{...}, ...]} asks for one request per element
    (e.g. one per open task): interleave them across users, round robin."""
    if not any("each" in v for v in per_user_vars):
        return per_user_vars
    lists = [[{**{k: v for k, v in base.items() if k != "each"}, **item} for item in base.get("each", [])]
             for base in per_user_vars]
    out = []
    for i in range(max(len(items) for items in lists)):
        out.extend(items[i] for items in lists if i < len(items))
    return out


def build_requests(scenario: Scenario, per_user_vars: list[dict]) -> list[dict]:
    requests = []
    for variables in expand(per_user_vars):
        headers = dict(scenario.headers)
        if scenario.auth:
            headers["Authorization"] = "Bearer {access}"
        body = fill(scenario.body, variables)
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        requests.append({
            "method": scenario.method,
            "path": fill(scenario.path, variables),
            "headers": fill(headers, variables),
            "body": body,
        })
    return requests


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_lua(scenario: Scenario, requests: list[dict], workdir: Path, suffix: str = "") -> Path:
    entries = []
    for r in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(str(v))}" for k, v in r["headers"].items())
        body = lua_string(r["body"]) if r["body"] is not None else "nil"
        entries.append(
            f"  {{method = {lua_string(r['method'])}, path = {lua_string(r['path'])}, "
            f"headers = {{{headers}}}, body = {body}}},"
        )
    script = (BENCH / (scenario.lua or "rotate.lua")).read_text()
    path = workdir / f"{scenario.name}{suffix}.lua"
    path.write_text(
        "-- Generated by bench/run.py\nrequests = {\n" + "\n".join(entries) + "\n}\n\n"
        + script + "\n" + (BENCH / "report.lua").read_text()
    )
    return path


def preflight(request: dict) -> tuple[int, bytes]:
    """Send one request so a scenario that cannot work (404, 401...) fails clearly."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    try:
        conn.request(request["method"], request["path"], body=request["body"], headers=request["headers"])
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- server ----------------------------------------------------------------------

def port_in_use() -> bool:
    try:
        http.client.HTTPConnection(HOST, PORT, timeout=1).connect()
        return True
    except OSError:
        return False


def start_gunicorn(env: dict, log_path: Path, workers: int) -> subprocess.Popen:
    if port_in_use():
        sys.exit(f"bench: something already listens on {HOST}:{PORT}; stop it first.")
    log_file = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dreamtrack.wsgi:application",
         "--workers", str(workers), "--bind", f"{HOST}:{PORT}", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if preflight({"method": "GET", "path": "/healthz", "body": None, "headers": {}})[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(server)
    sys.exit("bench: gunicorn did not answer /healthz within 30 s. Its log:\n" + log_path.read_text()[-4000:])


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- measuring -------------------------------------------------------------------

def wrk(wrk_bin: str, script: Path, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        # --timeout: wrk's default of 2 s would count slow but correct answers
        # (logins queued behind Argon2 hashing) as socket errors.
        [wrk_bin, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
         "-s", str(script), f"http://{HOST}:{PORT}"],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError("wrk printed no result:\n" + output)
    figures = json.loads(line.removeprefix("BENCH_RESULT "))
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "errors": figures["status_errors"] + figures["socket_errors"],
        "error_detail": f"{figures['status_errors']} responses >= 400, {figures['socket_errors']} socket errors",
    }


def cpu_times() -> list[int] | None:
    """The machine's CPU time counters (the `cpu` line of /proc/stat: user, nice, system,
    idle, iowait, irq, softirq, steal, ...), or None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    return [int(value) for value in fields[1:9]] if fields and fields[0] == "cpu" else None


def cpu_shares(before: list[int] | None, after: list[int] | None) -> dict:
    """Per cent of the machine's CPU time between two `cpu_times()` readings left idle (idle +
    iowait: nothing to run, or waiting on the disk) and taken by the hypervisor for other
    guests (steal: the time a virtual CPU wanted to run and could not)."""
    if before is None or after is None:
        return {}
    delta = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(delta)
    if total <= 0:
        return {}
    return {"idle": 100 * (delta[3] + delta[4]) / total, "steal": 100 * delta[7] / total}


def measure(scenario, requests, wrk_bin, workdir, args) -> dict:
    if scenario.consumable:
        # Each request uses up its target (a task completes once): the preflight,
        # the warm-up and the measured run each get requests of their own.
        if len(requests) < 100:
            return {"failed": f"only {len(requests)} requests prepared for a consumable scenario"}
        first, warm, main = requests[-1], requests[: len(requests) // 5], requests[len(requests) // 5 : -1]
    else:
        first = requests[0]
        warm = main = requests
    status, body = preflight(first)
    if not 200 <= status < 400:
        return {"failed": f"preflight {status}: {body[:200].decode(errors='replace')}"}
    warm_script = write_lua(scenario, warm, workdir, suffix="-warm")
    wrk(wrk_bin, warm_script, args.warmup, args.connections)  # warm-up: caches, connections, imports
    script = write_lua(scenario, main, workdir)
    before = cpu_times()
    result = wrk(wrk_bin, script, args.duration, args.connections)
    result.update(cpu_shares(before, cpu_times()))
    if scenario.consumable and result["rps"] * args.duration >= len(main):
        result["errors"] += 1
        result["error_detail"] += f"; ran out of prepared requests ({len(main)}): raise the scenario's supply"
    return result


# --- reporting -------------------------------------------------------------------

def table(rows: list[tuple[Scenario, dict]]) -> str:
    baseline = next((r["rps"] for s, r in rows if s.name == BASELINE and "rps" in r), None)
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | errors | ratio to /healthz | CPU idle % | CPU steal % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, r in rows:
        if "failed" in r:
            lines.append(f"| `{scenario.label}` | failed: {r['failed']} | | | | | | |")
            continue
        ratio = f"{r['rps'] / baseline:.3f}" if baseline else "n/a"
        shares = " | ".join(f"{r[key]:.0f}" if key in r else "n/a" for key in ("idle", "steal"))
        lines.append(
            f"| `{scenario.label}` | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} | {ratio} | {shares} |"
        )
    return "\n".join(lines)


def summary(rounds: list[list[tuple[Scenario, dict]]]) -> str:
    """Each endpoint's median requests/s and median ratio over the rounds (each ratio taken to
    its own round's /healthz), with the lowest and highest ratio, and each round's CPU steal."""
    lines = [
        "| endpoint | median req/s | median ratio | lowest | highest | CPU steal % (each round) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for i, (scenario, _) in enumerate(rounds[0]):
        rps, ratios, steal = [], [], []
        for rows in rounds:
            baseline = next(r["rps"] for s, r in rows if s.name == BASELINE)
            rps.append(rows[i][1]["rps"])
            ratios.append(rows[i][1]["rps"] / baseline)
            steal.append(f"{rows[i][1]['steal']:.0f}" if "steal" in rows[i][1] else "n/a")
        lines.append(
            f"| `{scenario.label}` | {statistics.median(rps):.0f} | {statistics.median(ratios):.3f} "
            f"| {min(ratios):.3f} | {max(ratios):.3f} | {', '.join(steal)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def write_docs(rounds: list, args) -> None:
    command = "make bench" + (f' ARGS="{shlex.join(sys.argv[1:])}"' if sys.argv[1:] else "")
    section = "\n".join([
        RESULTS_START,
        "## Latest results",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Load: wrk, 1 thread, {args.connections} connections, {args.duration} s per endpoint "
        f"after a {args.warmup} s warm-up; gunicorn with {args.workers} sync workers; PostgreSQL and Redis on the same machine",
        f"- Command: `{command}`",
        "",
        *(
            [table(rounds[0])]
            if len(rounds) == 1
            else [
                f"Median over {len(rounds)} rounds (each ratio to its own round's /healthz):",
                "",
                summary(rounds),
                *(line for n, rows in enumerate(rounds, 1) for line in ("", f"Round {n}:", "", table(rows))),
            ]
        ),
        RESULTS_END,
    ])
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if RESULTS_START in text and RESULTS_END in text:
        head, rest = text.split(RESULTS_START, 1)
        text = head + section + rest.split(RESULTS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)
    log(f"wrote results to {DOCS.relative_to(ROOT)}")


# --- main ------------------------------------------------------------------------

def parse_args():
    names = [s.name for s in SCENARIOS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--only", action="append", default=[],
                        help=f"scenarios to run, comma-separated or repeated; one of {', '.join(names)} "
                             f"({BASELINE} always runs)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="full rounds to run, each with its own /healthz floor; with more than one the "
                             "summary gives each endpoint's median ratio and its range (default 1)")
    parser.add_argument("--write-docs", action="store_true", help="replace the results section of docs/benchmarks.md")
    args = parser.parse_args()
    wanted = {n.strip() for item in args.only for n in item.split(",") if n.strip()}
    unknown = wanted - set(names)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1-600 and --warmup 0-60 seconds")
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat must be 1-20")
    # The baseline first, then the rest in SCENARIOS order.
    args.scenarios = sorted(
        (s for s in SCENARIOS if not wanted or s.name in wanted or s.name == BASELINE),
        key=lambda s: s.name != BASELINE,
    )
    return args


def main() -> int:
    args = parse_args()
    wrk_bin = ensure_wrk()
    run(["bash", "scripts/ensure_services.sh"])
    ensure_database()
    env = bench_env()
    log("migrate, seed and collectstatic")
    run([sys.executable, "manage.py", "migrate", "--noinput"], env=env, stdout=subprocess.DEVNULL)
    run([sys.executable, "manage.py", "seed"], env=env, stdout=subprocess.DEVNULL)
    # With DEBUG off, static URLs (default avatar images...) come from
    # WhiteNoise's manifest, as in the Docker image: without it they are a 500.
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env)

    rounds = []
    for number in range(1, args.repeat + 1):
        if args.repeat > 1:
            log(f"round {number} of {args.repeat}")
        rows, server_log = one_round(args, env, wrk_bin)
        rounds.append(rows)
        print((f"\nRound {number}:\n" if args.repeat > 1 else "") + "\n" + table(rows) + "\n")
        problems = [s.name for s, r in rows if "failed" in r or r["errors"]]
        for scenario, r in rows:
            if r.get("errors"):
                log(f"{scenario.name}: {r['error_detail']}")
        if problems:
            log(f"errors in: {', '.join(problems)}; last lines of the server log:\n{server_log[-3000:]}")
            if args.write_docs:
                log("not writing docs/benchmarks.md while a scenario fails")
            return 1
    if args.repeat > 1:
        print("Summary:\n\n" + summary(rounds) + "\n")
    if args.write_docs:
        write_docs(rounds, args)
    return 0


def one_round(args, env: dict, wrk_bin: str) -> tuple[list, str]:
    """Scenario data topped up, a fresh gunicorn, every scenario once: (rows, the server's log)."""
    # Setup writes rows in bulk (no signals): start from an empty cache, as after a deploy.
    run([sys.executable, "manage.py", "shell", "-c", "from django.core.cache import cache; cache.clear()"], env=env)
    with tempfile.TemporaryDirectory(prefix="dreamtrack-bench-") as tmp:
        workdir = Path(tmp)
        log("preparing bench users and scenario data")
        data = prepare_data(args.scenarios, env, workdir)
        log("VACUUM ANALYZE")
        settle_database()
        server = start_gunicorn(env, workdir / "gunicorn.log", args.workers)
        rows = []
        try:
            for scenario in args.scenarios:
                log(f"{scenario.label}: {args.warmup} s warm-up + {args.duration} s")
                rows.append((scenario, measure(scenario, build_requests(scenario, data[scenario.name]),
                                               wrk_bin, workdir, args)))
        finally:
            stop_gunicorn(server)
        return rows, (workdir / "gunicorn.log").read_text(errors="replace")


if __name__ == "__main__":
    sys.exit(main())
