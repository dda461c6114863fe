"""The index that serves `users/?search=` (a case-insensitive username prefix) on PostgreSQL.

Django turns `username__istartswith=p` into `UPPER("username"::text) LIKE UPPER('p%')`. A
btree over that same expression with `text_pattern_ops` (byte order, whatever the
database's collation) answers the LIKE prefix as an index range. SQLite (development)
has no operator classes: its LIKE is case-insensitive already and needs nothing here.
The index lives in the friends app, which owns the search; the table is accounts'.
"""
from django.db import migrations

INDEX = "user_username_upper_prefix_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("accounts", "User")._meta.db_table)
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON {table} ((UPPER("username"::text)) text_pattern_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("friends", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
