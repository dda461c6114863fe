"""Time `run_daily_jobs` settling a backlog of quit-habit days: habit-days per second and peak memory.

    python bench/settle_backlog.py                      # 20,000 users x 5 days = 100,000 days
    python bench/settle_backlog.py --users 2000 --days 1 --database dt_mine

Steps: (re)create a PostgreSQL database of its own (default `dreamtrack_settle_backlog`; it is
dropped and made again, so never point it at a database you keep), migrate and seed it, and
write the backlog: `--users` players (time zones from UTC-10 to UTC+9, some with a day that
starts at 04:00), each with one quit habit and a log on each of their last `--days` local days
before today, none settled. `VACUUM ANALYZE`, then, in a fresh process (so its memory is the
settling's alone), time the habits part of `run_daily_jobs` (apps/habits/jobs.py), run it a
second time (it must settle nothing), and check that every day was settled once and that
every balance equals its ledger. Prints days per second and the settling process's peak RSS;
run two sizes to see whether memory stays flat as the backlog grows.

Needs the local PostgreSQL (`make services`) and `psql`. No Redis: the in-process cache.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_ZONES = [("UTC", 0), ("Europe/Berlin", 4), ("America/New_York", 0), ("Asia/Tokyo", 0), ("Pacific/Honolulu", 4)]


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qtAc", sql], check=True)


def environment(database: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        REDIS_URL="",  # empty, not unset: .env must not fill it in
        DEBUG="",  # off: with DEBUG on Django keeps every query in memory
        SECRET_KEY="settle-backlog-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dreamtrack.settings",
    )
    return env


def django_setup(database: str) -> None:
    os.environ.update(environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create(args) -> None:
    """Make the database and write the backlog (in this process)."""
    psql(f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(f'CREATE DATABASE "{args.database}"')
    django_setup(args.database)
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from apps.core.localday import local_date
    from apps.habits.models import Habit, QuitLog
    from apps.habits.settlement import next_settle_at
    from apps.streaks.models import Streak
    from apps.wallet.models import Wallet

    call_command("migrate", verbosity=0)
    call_command("seed", verbosity=0)
    User = get_user_model()
    now = timezone.now()
    started = time.perf_counter()
    for first in range(0, args.users, 2000):
        batch = range(first, min(first + 2000, args.users))
        users = User.objects.bulk_create(
            User(username=f"backlog{n}", email=f"backlog{n}@bench.invalid", password="!",
                 timezone=TIME_ZONES[n % len(TIME_ZONES)][0], day_start_hour=TIME_ZONES[n % len(TIME_ZONES)][1])
            for n in batch
        )
        Wallet.objects.bulk_create(Wallet(user=user) for user in users)
        Streak.objects.bulk_create(Streak(user=user) for user in users)
        habits, logs = [], []
        for user in users:
            today = local_date(user, now)
            start = today - timedelta(days=args.days)
            habits.append(Habit(user=user, title="No smoking", kind="quit", start_date=start, baseline_per_day=10,
                                cost_per_unit="0.50", settled_through=start - timedelta(days=1),
                                next_settle_at=next_settle_at(user, start - timedelta(days=1)), created_at=now))
        Habit.objects.bulk_create(habits)
        for n, habit in enumerate(habits):
            for day in range(args.days):
                date = habit.start_date + timedelta(days=day)
                count = (n + day) % 13 if (n + day) % 3 else 0  # clean days, days under and over the baseline
                logs.append(QuitLog(habit=habit, date=date, occurred_at=now - timedelta(days=args.days - day),
                                    count=count, created_at=now))
        QuitLog.objects.bulk_create(logs, batch_size=5000)
    print(f"backlog: {args.users} users, {args.users * args.days} quit-habit days to settle "
          f"(written in {time.perf_counter() - started:.1f} s)", flush=True)
    psql_db(args.database, "VACUUM ANALYZE")


def psql_db(database: str, sql: str) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qtAc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def settle(args) -> None:
    """Time the settling (in a process of its own) and print one JSON line of figures."""
    django_setup(args.database)
    from django.utils import timezone

    from apps.habits import jobs

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    now = timezone.now()
    started, cpu_started = time.perf_counter(), time.process_time()
    first = jobs.run_daily(now=now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    again = jobs.run_daily(now=now)
    print(json.dumps({"summary": first, "again": again, "seconds": seconds, "cpu": cpu, "baseline_kb": baseline_kb, "peak_kb": peak_kb}))


def check(database: str, expected_days: int) -> list[str]:
    """Every day settled once, every balance equal to its ledger: the problems found."""
    problems = []
    settled = int(psql_db(database, "SELECT count(*) FROM habits_quitdaysettlement"))
    if settled != expected_days:
        problems.append(f"{settled} days settled, {expected_days} expected")
    mismatched = psql_db(
        database,
        "SELECT count(*) FROM progression_wallet w WHERE (w.xp, w.coins, w.crystals) <> ("
        " SELECT coalesce(sum(amount) FILTER (WHERE currency = 'xp'), 0),"
        " coalesce(sum(amount) FILTER (WHERE currency = 'coins'), 0),"
        " coalesce(sum(amount) FILTER (WHERE currency = 'crystals'), 0)"
        " FROM progression_ledgerentry l WHERE l.user_id = w.user_id)",
    )
    if int(mismatched):
        problems.append(f"{mismatched} wallets differ from their ledger")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--days", type=int, default=5, help="backlog days per user (default 5)")
    parser.add_argument("--database", default="dreamtrack_settle_backlog", help="dropped and created again")
    parser.add_argument("--step", choices=["all", "create", "settle"], default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "create":
        return create(args)
    if args.step == "settle":
        return settle(args)
    base = [sys.executable, __file__, "--users", str(args.users), "--days", str(args.days), "--database", args.database]
    subprocess.run([*base, "--step", "create"], check=True, cwd=ROOT)
    out = subprocess.run([*base, "--step", "settle"], check=True, cwd=ROOT, capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    days = args.users * args.days
    print(f"run_daily_jobs (habits): {figures['summary']}")
    print(f"  {days} quit-habit days in {figures['seconds']:.2f} s: {days / figures['seconds']:.0f} habit-days/s "
          f"({figures['cpu']:.2f} s of it this process's CPU, the rest PostgreSQL's and waiting)")
    print(f"  peak RSS of the settling process: {figures['peak_kb'] / 1024:.0f} MB "
          f"({figures['baseline_kb'] / 1024:.0f} MB after start-up, so {(figures['peak_kb'] - figures['baseline_kb']) / 1024:.0f} MB for the settling)")
    print(f"  a second run: {figures['again']}")
    problems = check(args.database, days)
    print("  check: every day settled once, every balance equal to its ledger" if not problems else f"  PROBLEMS: {problems}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
