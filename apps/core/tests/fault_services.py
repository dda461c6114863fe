"""Throwaway Redis and PostgreSQL servers, and app servers in subprocesses, for the
fault tests: each test stops and starts real services of its own, never the shared ones,
each on a port free when it starts (so that two runs on one machine do not meet).

`throwaway_redis(port)` and `throwaway_postgres(port)` skip the test (reason starting
"fault test needs") when the server binaries are missing; CI fails on such a skip.
"""
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(check, *, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not ready after {timeout} s")


class ThrowawayRedis:
    """A redis-server of this test's own (no persistence unless `stop(save=True)`)."""

    def __init__(self, port: int, directory: str):
        self.port = port
        self.directory = directory
        self.url = f"redis://127.0.0.1:{port}/0"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10, check=False
        )

    def is_up(self) -> bool:
        return self.cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory, "--daemonize", "yes", "--logfile", os.path.join(self.directory, "redis.log")],
            check=True, capture_output=True, timeout=10,
        )
        _wait(self.is_up, what=f"redis on port {self.port}")

    def stop(self, *, save: bool = False) -> None:
        """`redis-cli shutdown`: with `save`, its data is written to disk first and the next
        `start` loads it again (a Redis restarted with persistence)."""
        self.cli("shutdown", "save" if save else "nosave")
        _wait(lambda: not self.is_up(), what=f"redis on port {self.port} stopping")


@contextlib.contextmanager
def throwaway_redis(port: int | None = None):
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        pytest.skip("fault test needs redis-server and redis-cli installed")
    directory = tempfile.mkdtemp(prefix="dt-redis-")
    server = ThrowawayRedis(port or free_port(), directory)
    try:
        server.start()
        yield server
    finally:
        if server.is_up():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class ThrowawayPostgres:
    """A PostgreSQL cluster of this test's own, in a temporary directory (trust auth, user
    `postgres`). As root, its commands run as the `postgres` system user (initdb refuses root)."""

    def __init__(self, port: int, directory: str, as_user: list[str]):
        self.port = port
        self.directory = directory
        self.as_user = as_user
        self.url = f"postgres://postgres@127.0.0.1:{port}/dreamtrack_faults"

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self.as_user, _pg_bin("pg_ctl"), "-D", self.directory, "-l", f"{self.directory}/server.log"]
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        return subprocess.run([*command, "-o", options, "-w", *args], capture_output=True, text=True,
                              timeout=60, check=check)

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: open connections are terminated, the server comes back."""
        self.pg_ctl("restart", "-m", "fast")


@contextlib.contextmanager
def throwaway_postgres(port: int | None = None):
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("fault test needs the PostgreSQL server binaries (initdb, pg_ctl)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster runs as the `postgres` system user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("fault test needs a `postgres` system user to run initdb when run as root")
        if not shutil.which("runuser"):
            pytest.skip("fault test needs runuser to run initdb as the postgres user when run as root")
        as_user = ["runuser", "-u", "postgres", "--"]
    directory = tempfile.mkdtemp(prefix="dt-pg-")
    server = ThrowawayPostgres(port or free_port(), directory, as_user)
    try:
        if as_user:
            shutil.chown(directory, user="postgres")
        subprocess.run([*as_user, initdb, "-D", directory, "-U", "postgres", "-A", "trust", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        server.pg_ctl("start")
        yield server
    finally:
        server.pg_ctl("stop", "-m", "immediate", check=False)
        shutil.rmtree(directory, ignore_errors=True)


def http(method: str, url: str, *, token: str | None = None, body: bytes | None = None,
         headers: dict | None = None, timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def app_env(**overrides: str) -> dict:
    """The environment of an app server under the test settings (same SECRET_KEY as the tests)."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dreamtrack.test_settings",
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _healthy(url: str) -> bool:
    try:
        return http("GET", f"{url}/healthz", timeout=2)[0] == 200
    except OSError:
        return False


@contextlib.contextmanager
def app_server(env: dict, *, threads: int = 4):
    """gunicorn serving the app on a free port of 127.0.0.1 (one worker, `threads` threads)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="dt-app-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "gunicorn", "dreamtrack.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait(lambda: process.poll() is None and _healthy(url), what=f"app server on port {port}", timeout=60)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{Path(log.name).read_text()[-3000:]}") from None
        yield url
    finally:
        stop_process_group(process)
        log.close()
        os.unlink(log.name)


def stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
