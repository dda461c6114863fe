"""The statement of the habits table the ORM cannot say: one UPDATE of many rows, each with
values of its own (`UPDATE ... FROM` a VALUES list). `bulk_update` writes a CASE per column
with a branch per row, which grows with the square of a settlement batch.

Runs on PostgreSQL and SQLite (3.33+) alike. Table and column names come from the model;
values are always parameters.
"""
from django.db import connection

from .models import Habit

SETTLED_FIELDS = ("settled_through", "next_settle_at", "clean_streak", "longest_clean_streak", "money_saved", "updated_at")
ROWS_PER_STATEMENT = 1000


def habits_settled_update(habits) -> int:
    """Write each habit's settled quit state (`SETTLED_FIELDS`, as on the instance); the rows updated."""
    habits = list(habits)
    q = connection.ops.quote_name
    table = q(Habit._meta.db_table)
    fields = [Habit._meta.pk, *(Habit._meta.get_field(name) for name in SETTLED_FIELDS)]
    # A VALUES list's columns are column1, column2, ... on both databases.
    assignments = ", ".join(f"{q(f.column)} = v.column{n}" for n, f in enumerate(fields[1:], start=2))
    updated = 0
    for first in range(0, len(habits), ROWS_PER_STATEMENT):
        chunk = habits[first : first + ROWS_PER_STATEMENT]
        rows = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
        sql = f"UPDATE {table} SET {assignments} FROM (VALUES {rows}) AS v WHERE {table}.{q('id')} = v.column1"
        params = [f.get_db_prep_save(getattr(habit, f.attname), connection) for habit in chunk for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated
