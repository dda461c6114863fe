"""What one statement of a completion costs: through the ORM, and the same SQL on a cursor.

    python bench/orm_cost.py [--calls 2000]

Runs in this process against the bench database (bench/run.py's environment; run
`make bench ARGS="--only healthz --only complete"` once first, so the bench users and their
tasks exist). Each line repeats one statement of `POST tasks/{id}/complete/`'s path
`--calls` times in one transaction (its row locks are then already held, so no line waits
on another), rolled back afterwards so that the bench data stays as it was, and prints the wall and the CPU milliseconds per call. The "cursor" lines send
the SQL Django generates for the line above them, with the same parameters, on
`connection.cursor()`: their difference is the ORM's own share (building the query,
compiling it, making model instances).

A tool for explaining a figure of docs/benchmarks.md, not a benchmark of its own.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import bench_env, ensure_database  # noqa: E402

WARMUP = 50


def measure(label: str, call, calls: int) -> None:
    from django.db import transaction

    with transaction.atomic():
        for _ in range(WARMUP):
            call()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            call()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        transaction.set_rollback(True)  # the saves below rewrite real rows: keep none of it
    print(f"| {label} | {1000 * wall / calls:.3f} | {1000 * cpu / calls:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per line (default 2000)")
    args = parser.parse_args()

    ensure_database()
    os.environ.update(bench_env())
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone
    from scenarios import BENCH_USERS

    from apps.boosts.selectors import active_multipliers
    from apps.stats.selectors import daily_activity_get
    from apps.streaks.models import Streak
    from apps.tasks.models import Task
    from apps.tasks.services import COMPLETION_FIELDS
    from apps.wallet.models import Wallet

    task = Task.objects.filter(user__username=BENCH_USERS[0]).first()
    if task is None:
        sys.exit("No bench task: run `make bench ARGS=\"--only healthz --only complete\"` first.")
    user_id, now = task.user_id, timezone.now()
    today = now.date()
    wallet = Wallet.objects.get(user_id=user_id)
    cursor = connection.cursor()

    def on_cursor(queryset):
        """The SQL the ORM would send for `queryset`, sent on the cursor."""
        with transaction.atomic():  # a FOR UPDATE query compiles only inside one
            sql, params = queryset.query.sql_with_params()

        def call():
            cursor.execute(sql, params)
            cursor.fetchall()

        return call

    wallet_lock = Wallet.objects.select_for_update().filter(user_id=user_id)
    task_lock = Task.objects.select_for_update().filter(pk=task.pk, user_id=user_id)
    print("| statement | wall ms | CPU ms |\n|---|---:|---:|")
    for label, call in (
        ("wallet lock, ORM (`select_for_update().get`)", lambda: Wallet.objects.select_for_update().get(user_id=user_id)),
        ("wallet lock, cursor", on_cursor(wallet_lock)),
        ("task lock, ORM", lambda: Task.objects.select_for_update().get(pk=task.pk, user_id=user_id)),
        ("task lock, cursor", on_cursor(task_lock)),
        ("streak lock, ORM", lambda: Streak.objects.select_for_update().get(user_id=user_id)),
        ("the day's completions, ORM (`daily_activity_get`)",
         lambda: daily_activity_get(user_id=user_id, day=today, field="task_completions")),
        ("active boosts, ORM (`active_multipliers`)", lambda: active_multipliers(user_id=user_id, now=now)),
        ("wallet update, ORM (`save(update_fields=…)`)",
         lambda: wallet.save(update_fields=["xp", "coins", "max_level_rewarded", "updated_at"])),
        ("task update, ORM (`save(update_fields=…)`)",
         lambda: task.save(update_fields=COMPLETION_FIELDS)),
        ("`SELECT 1`, cursor", lambda: (cursor.execute("SELECT 1"), cursor.fetchall())),
    ):
        measure(label, call, args.calls)


if __name__ == "__main__":
    main()
