#!/usr/bin/env bash
# Two app servers on one PostgreSQL and one Redis, as two replicas behind a load balancer:
#   DATABASE_URL=postgres://... REDIS_URL=redis://... scripts/two_instances.sh
# serves http://127.0.0.1:$PORT_A and http://127.0.0.1:$PORT_B (8001, 8002) until Ctrl-C,
# which stops both. Throttles, idempotency keys and cached pages live in the shared
# PostgreSQL and Redis, so the two behave as one (apps/core/tests/test_two_instances.py).
#
# Settings: DATABASE_URL and REDIS_URL (the environment or .env; both required), PORT_A,
# PORT_B, WORKERS and THREADS per instance (1 and 4), MIGRATE=0 to skip `migrate`,
# PYTHON (.venv/bin/python). Each server's log lines are prefixed [A] or [B].
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PORT_A=${PORT_A:-8001}
PORT_B=${PORT_B:-8002}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-4}

# What the settings will use (the environment, else .env): two instances share nothing
# on SQLite or the in-process cache, so refuse those.
"$PYTHON" - <<'EOF'
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamtrack.settings")
django.setup()
from django.conf import settings
from django.db import connection
problems = []
if connection.vendor != "postgresql":
    problems.append("DATABASE_URL must name a PostgreSQL database")
if not settings.REDIS_URL:
    problems.append("REDIS_URL must be set")
if problems:
    sys.exit("two_instances.sh: " + "; ".join(problems) + " (both instances share them).")
EOF

if [ "${MIGRATE:-1}" != 0 ]; then
    "$PYTHON" manage.py migrate --noinput
fi

pids=()
stop() {
    trap - EXIT
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

start() {  # start NAME PORT
    "$PYTHON" -m gunicorn dreamtrack.wsgi:application --bind "127.0.0.1:$2" \
        --workers "$WORKERS" --threads "$THREADS" --graceful-timeout 5 \
        > >(sed -u "s/^/[$1] /") 2>&1 &
    pids+=($!)
}
start A "$PORT_A"
start B "$PORT_B"

"$PYTHON" - "$PORT_A" "$PORT_B" <<'EOF'
import sys, time, urllib.request
for port in sys.argv[1:]:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"two_instances.sh: nothing answers on port {port} after 60 s")
            time.sleep(0.2)
EOF
echo "two instances ready: http://127.0.0.1:$PORT_A http://127.0.0.1:$PORT_B"

# Until Ctrl-C, or until one of them stops (then the other is stopped too).
set +e
wait -n "${pids[@]}"
rc=$?
echo "two_instances.sh: an instance exited (status $rc); stopping the other" >&2
exit "$rc"
