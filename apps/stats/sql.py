"""The two statements of the stats tables the ORM cannot say: add-on-conflict upserts.

Both run on PostgreSQL and SQLite (3.35+) alike. Table and column names come from the
models; values are always parameters.
"""
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from .models import XP_NEVER_CHANGED, DailyActivity, StatCounter


def counters_add(*, user_id: int, deltas: dict[str, int]) -> dict[str, int]:
    """Add each delta to the user's counter of that key, creating missing rows; the new
    value of every key in `deltas`. One statement whatever the number of keys."""
    rows = sorted((key, delta) for key, delta in deltas.items() if delta)
    if not rows:
        return {}
    q = connection.ops.quote_name
    table = q(StatCounter._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} ({q('user_id')}, {q('key')}, {q('value')}) VALUES {values} "
        f"ON CONFLICT ({q('user_id')}, {q('key')}) DO UPDATE SET {q('value')} = {table}.{q('value')} + EXCLUDED.{q('value')} "
        f"RETURNING {q('key')}, {q('value')}"
    )
    params = [p for key, delta in rows for p in (user_id, key, delta)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def daily_activity_add(*, user_id: int, day: date, deltas: dict[str, int], at: datetime | None = None) -> None:
    """Add `deltas` ({field: delta}) to the user's row for the local day `day`, creating it.
    A change to `xp_earned` also sets the row's `xp_changed_at` to `at` (default now)."""
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if not deltas:
        return
    counts = [
        f.column for f in DailyActivity._meta.concrete_fields if f.column not in ("id", "user_id", "date", "xp_changed_at")
    ]
    unknown = set(deltas) - set(counts)
    if unknown:
        raise ValueError(f"unknown daily activity fields: {sorted(unknown)}")
    xp_changed = "xp_earned" in deltas
    changed_at = (at or timezone.now()) if xp_changed else XP_NEVER_CHANGED
    q = connection.ops.quote_name
    table = q(DailyActivity._meta.db_table)
    columns = ", ".join(q(c) for c in ["user_id", "date", *counts, "xp_changed_at"])
    placeholders = ", ".join(["%s"] * (3 + len(counts)))
    updates = [f"{q(f)} = {table}.{q(f)} + EXCLUDED.{q(f)}" for f in sorted(deltas)]
    if xp_changed:
        updates.append(f"{q('xp_changed_at')} = EXCLUDED.{q('xp_changed_at')}")
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({q('user_id')}, {q('date')}) DO UPDATE SET {', '.join(updates)}"
    )
    params = [
        user_id,
        connection.ops.adapt_datefield_value(day),
        *(deltas.get(f, 0) for f in counts),
        connection.ops.adapt_datetimefield_value(changed_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
