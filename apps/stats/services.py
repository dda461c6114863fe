"""Counters and daily activity. Called by UserProgressService under the user's wallet lock.

Both are upserts with `value + delta` in SQL, one statement for any number of
counters, so a new statistic is just a new key.
"""
from datetime import date

from apps.core.fastsql import db, execute, fetch_reads, sql_once

from .models import DailyActivity, StatCounter

# The counters the contract lists; `stats/` shows these (0 when never touched)
# plus any other key a later app writes.
CONTRACT_COUNTERS = (
    "tasks_completed",
    "tasks_completed_on_time",
    "habit_check_ins",
    "quit_clean_days",
    "dreams_completed",
    "items_bought",
    "items_equipped",
    "trades_completed",
    "roulette_spins",
    "friends",
    "xp_earned",
    "coins_earned",
    "coins_spent",
    "longest_streak",
)

DAILY_FIELDS = ("tasks_completed", "task_completions", "habit_check_ins", "quit_logs", "xp_earned", "coins_earned")


def stats_increment(*, user_id: int, deltas: dict[str, int]) -> dict[str, int]:
    """Add each delta to the user's counter; return the new value of every changed key."""
    return stats_increment_and_read(user_id=user_id, deltas=deltas)[0]


def stats_increment_and_read(
    *, user_id: int, deltas: dict[str, int], reads: tuple[tuple[str, list], ...] = ()
) -> tuple[dict[str, int], list]:
    """`stats_increment`, plus scalar subqueries `reads` ((sql, params), ...) that do
    not depend on the counters, evaluated by the same statement where it can return
    columns (else by one more SELECT, `fetch_reads`).
    Returns (the new value of every changed key, [read values])."""
    deltas = {key: value for key, value in deltas.items() if value}
    read_sql = [f"({sql})" for sql, _ in reads]
    read_params = [p for _, params in reads for p in params]
    if not deltas:
        return {}, fetch_reads(reads)
    sql, returned_columns, params = _stats_upsert(user_id=user_id, deltas=deltas)
    conn = db()
    with conn.cursor() as cursor:
        if conn.features.can_return_columns_from_insert:
            returning = ", ".join([returned_columns, *read_sql])
            execute(cursor, sql + " RETURNING " + returning, params + read_params)
            rows = cursor.fetchall()  # one per key; the reads repeat on each
            return {row[0]: row[1] for row in rows}, list(rows[0][2:])
        execute(cursor, sql, params)
    changed = dict(StatCounter.objects.filter(user_id=user_id, key__in=deltas).values_list("key", "value"))
    return changed, fetch_reads(reads)


def stats_increment_later(*, user_id: int, deltas: dict[str, int], batch) -> None:
    """`stats_increment` as a write of `batch` (apps.core.fastsql.Batch), sent with its
    others: for a caller that already knows the counters' new values (`stats_reads`)."""
    deltas = {key: value for key, value in deltas.items() if value}
    if deltas:
        sql, _returning, params = _stats_upsert(user_id=user_id, deltas=deltas)
        batch.add(sql, params, expect_rows=len(deltas))


def stats_reads(*, user_id: int, keys) -> tuple[tuple[str, list], ...]:
    """Scalar subqueries (sql, params) for the value of each counter in `keys` (NULL when
    never written), for a statement the caller runs anyway. Read under the user's wallet
    lock (every counter writer holds it), by a statement that starts after it was taken,
    they are the values the next increment adds to."""
    sql = sql_once(
        "stats-read",
        lambda q: f"SELECT {q('value')} FROM {q(StatCounter._meta.db_table)} WHERE {q('user_id')} = %s AND {q('key')} = %s",
    )
    return tuple((sql, [user_id, key]) for key in keys)


def _stats_upsert(*, user_id: int, deltas: dict[str, int]) -> tuple[str, str, list]:
    """(the upsert adding each non-zero delta to its counter, its columns to return, params)."""
    rows = sorted(deltas.items())  # a fixed order: two upserts never deadlock on each other
    params: list = []
    for key, value in rows:
        params += [user_id, key, value]

    def build(q):
        table = q(StatCounter._meta.db_table)
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        sql = (
            f"INSERT INTO {table} ({q('user_id')}, {q('key')}, {q('value')}) VALUES {values} "
            f"ON CONFLICT ({q('user_id')}, {q('key')}) DO UPDATE "
            f"SET {q('value')} = {table}.{q('value')} + EXCLUDED.{q('value')}"
        )
        return sql, f"{q('key')}, {q('value')}"

    found = sql_once(f"stats-upsert:{len(rows)}", build)
    return found[0], found[1], params


def daily_activity_increment_later(*, user_id: int, day: date, deltas: dict[str, int], batch) -> None:
    """Add deltas to the user's row for a local day, as a write of `batch`
    (apps.core.fastsql.Batch), sent with its others: one upsert however many fields."""
    deltas = {key: value for key, value in deltas.items() if value}
    unknown = set(deltas) - set(DAILY_FIELDS)
    if unknown:
        raise ValueError(f"unknown daily activity fields: {sorted(unknown)}")
    if deltas:
        sql, params = _daily_upsert(user_id=user_id, day=day, deltas=deltas)
        batch.add(sql, params, expect_rows=1)


def daily_activity_read(*, user_id: int, day: date, field: str) -> tuple[str, list]:
    """A scalar subquery (sql, params) for one field of the user's row for a local day
    (NULL while the day has no row), for a statement the caller runs anyway. Read under
    the user's wallet lock (every writer of daily rows holds it: the progress service),
    by a statement that starts after it was taken, it is the value the caller's own
    `daily_activity_increment_later` adds to."""
    if field not in DAILY_FIELDS:
        raise ValueError(f"unknown daily activity field: {field}")
    sql = sql_once(
        f"daily-read:{field}",
        lambda q: (
            f"SELECT {q(field)} FROM {q(DailyActivity._meta.db_table)} WHERE {q('user_id')} = %s AND {q('date')} = %s"
        ),
    )
    return sql, [user_id, day]


def _daily_upsert(*, user_id: int, day: date, deltas: dict[str, int]) -> tuple[str, list]:
    """(the upsert adding `deltas` to the day's row, params); deltas non-zero."""
    fields = DAILY_FIELDS
    params = [user_id, day, *[deltas.get(f, 0) for f in fields]]

    def build(q):
        table = q(DailyActivity._meta.db_table)
        insert_cols = ", ".join(q(c) for c in ["user_id", "date", *fields])
        placeholders = ", ".join(["%s"] * (2 + len(fields)))
        updates = ", ".join(f"{q(f)} = {table}.{q(f)} + EXCLUDED.{q(f)}" for f in deltas)
        return (
            f"INSERT INTO {table} ({insert_cols}) VALUES ({placeholders}) "
            f"ON CONFLICT ({q('user_id')}, {q('date')}) DO UPDATE SET {updates}"
        )

    return sql_once("daily-upsert:" + ",".join(deltas), build), params
