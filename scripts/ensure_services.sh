#!/usr/bin/env bash
# Start the local PostgreSQL cluster and Redis if they are not already up, then
# wait until both answer. Shared by `make services`, `.ci/run` and `bench/run.py`.
# Safe to run again: a service that is already up is left alone.
set -euo pipefail

wait_for() {  # wait_for NAME COMMAND...: up to 30 s for COMMAND to succeed
    local name=$1; shift
    for _ in $(seq 1 30); do
        if "$@" >/dev/null 2>&1; then
            echo "$name: up"
            return 0
        fi
        sleep 1
    done
    echo "$name: still not answering after 30 s" >&2
    return 1
}

if pg_isready -h 127.0.0.1 >/dev/null 2>&1; then
    echo "postgresql: already up"
else
    echo "postgresql: starting"
    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
    wait_for postgresql pg_isready -h 127.0.0.1
fi

if [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = "PONG" ]; then
    echo "redis: already up"
else
    echo "redis: starting"
    # The directories may be missing on a fresh machine; redis-server refuses to start without them.
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for redis sh -c '[ "$(redis-cli -h 127.0.0.1 ping)" = PONG ]'
fi
