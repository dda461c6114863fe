"""Fixed hot statements without the ORM's per-call SQL compilation.

On this project's hardware compiling one ORM query costs about a millisecond of
Python, more than PostgreSQL takes to run it. The write paths (task completion,
purchases) run a dozen fixed, single-table statements; these helpers build each
statement's SQL once per process (per database vendor) and then only execute it.

They behave as the ORM calls they replace:
- `fetch_one/fetch_all` return model instances through `Model.from_db`, with the
  same database converters (SQLite dates and aware datetimes, decimals...);
  `FOR UPDATE` is added only where the backend supports it, as the ORM does.
- `update_fields` is `instance.save(update_fields=...)`: `pre_save` of each field
  (auto_now), the pre_save/post_save signals (the profile snapshot listens to
  them; a hot write whose caller does the receiver's work itself passes
  `send_signals=False`), and the same "did not affect any rows" error.
- `insert_rows` (and `Batch.insert_rows`) is `bulk_create` of plain rows given as
  values, without model instances (no signals, as bulk_create): the append-only ledgers
  written on every request.
Values go through each field's `get_db_prep_value/save` (`insert_rows` passes the
plain-typed ones as they are, which is what that returns for them), so SQLite and
PostgreSQL get what the ORM would send. Only simple conditions (=, <, <=, >, >=, IN) on one table.
"""
import datetime
import re

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import signals

_sql_cache: dict = {}


def db():
    """The default database connection itself: `django.db.connection` is a proxy that
    looks the connection up again on every attribute access (measurable on hot paths).
    The lookup itself costs a few microseconds (a context-local read): hot helpers take
    the connection their caller already has."""
    return connections[DEFAULT_DB_ALIAS]


_vendor: list[str] = []


def vendor() -> str:
    """The default database's vendor ("postgresql", "sqlite"...), looked up once: it is
    fixed by the DATABASES setting for the life of the process."""
    if not _vendor:
        _vendor.append(db().vendor)
    return _vendor[0]


def sql_once(key: str, build):
    """The fixed statement text (or texts) `build(quote_name)` makes, built once per process
    and database vendor under `key`: for statements a hot path sends on every call."""
    full = ("once", vendor(), key)
    found = _sql_cache.get(full)
    if found is None:
        found = _sql_cache[full] = build(db().ops.quote_name)
    return found


def _q(name: str) -> str:
    return db().ops.quote_name(name)


OPERATORS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "in": "IN"}


def _parse(opts, lookup: str):
    name, _, op = lookup.partition("__")
    return (opts.pk if name == "pk" else opts.get_field(name)), op or "exact"


def _select(model, where: tuple, for_update: bool, order_by: tuple[str, ...], sliced: bool = False, related=()):
    """`where`: ((lookup, n), ...) with n the number of values of an `__in` lookup (else 1).
    `related`: non-null forward foreign keys to load with the rows (an inner join)."""
    conn = db()
    key = ("select", conn.vendor, model, where, for_update, order_by, sliced, related)
    found = _sql_cache.get(key)
    if found is None:
        opts = model._meta
        fields = list(opts.concrete_fields)
        table = _q(opts.db_table)
        columns = ", ".join(f"{table}.{_q(f.column)}" for f in fields)
        joins = ""
        parts = []
        for n, name in enumerate(related):
            fk = opts.get_field(name)
            rel_model = fk.related_model
            alias = _q(f"j{n}")
            rel_fields = list(rel_model._meta.concrete_fields)
            columns += ", " + ", ".join(f"{alias}.{_q(f.column)}" for f in rel_fields)
            joins += (
                f" INNER JOIN {_q(rel_model._meta.db_table)} {alias} "
                f"ON {alias}.{_q(fk.target_field.column)} = {table}.{_q(fk.column)}"
            )
            parts.append((fk, rel_model, rel_fields))
        conditions = []
        where_fields = []
        for lookup, size in where:
            field, op = _parse(opts, lookup)
            where_fields.append((field, op))
            value = "(" + ", ".join(["%s"] * size) + ")" if op == "in" else "%s"
            conditions.append(f"{table}.{_q(field.column)} {OPERATORS[op]} {value}")
        sql = f"SELECT {columns} FROM {table}{joins} WHERE {' AND '.join(conditions)}"
        if order_by:
            sql += " ORDER BY " + ", ".join(
                f"{table}.{_q(opts.get_field(name.lstrip('-')).column)}{' DESC' if name.startswith('-') else ' ASC'}"
                for name in order_by
            )
        if sliced:
            sql += " LIMIT %s OFFSET %s"
        if for_update and conn.features.has_select_for_update:
            sql += " FOR UPDATE" + (f" OF {table}" if related else "")
        converters = _converters(fields)
        related_layout = []
        start = len(fields)
        for fk, rel_model, rel_fields in parts:
            related_layout.append(
                (fk, rel_model, start, start + len(rel_fields), [f.attname for f in rel_fields], _converters(rel_fields))
            )
            start += len(rel_fields)
        found = (sql, [f.attname for f in fields], converters, related_layout)
        _sql_cache[key] = found
    return found


def _converters(fields) -> list:
    conn = db()
    converters = [
        (i, conn.ops.get_db_converters(f.cached_col) + f.get_db_converters(conn), f)
        for i, f in enumerate(fields)
    ]
    return [(i, c, f) for i, c, f in converters if c]


def _in_range(field, value, conn) -> bool:
    """False for an integer the column cannot hold (the ORM answers "no rows" rather than fail)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    target = getattr(field, "target_field", None) or field
    try:
        low, high = conn.ops.integer_field_range(target.get_internal_type())
    except KeyError:  # not an integer column
        return True
    return (low is None or value >= low) and (high is None or value <= high)


def fetch_all(
    model,
    *,
    for_update: bool = False,
    order_by: tuple[str, ...] = (),
    slice_: tuple[int, int] | None = None,
    select_related: tuple[str, ...] = (),
    **where,
) -> list:
    """`model.objects[.select_for_update()].filter(**where)[.order_by(...)][start:stop]` as a list.
    Lookups: exact, gt, gte, lt, lte, in (a list or tuple), on the model's own columns.
    An integer the column cannot hold matches nothing (as the ORM's exact lookup)."""
    conn = db()
    opts = model._meta
    lookups, values = [], []
    for lookup, value in where.items():
        field, op = _parse(opts, lookup)
        if op == "in":
            value = [v for v in value if _in_range(field, v, conn)]
            if not value:
                return []
        elif op == "exact" and not _in_range(field, value, conn):
            return []
        lookups.append((lookup, len(value) if op == "in" else 1))
        values.append((field, op, value))
    sql, attnames, converters, related_layout = _select(
        model, tuple(lookups), for_update, order_by, slice_ is not None, select_related
    )
    params = []
    for field, op, value in values:
        for v in value if op == "in" else (value,):
            params.append(field.get_db_prep_value(v, conn))
    if slice_ is not None:
        start, stop = slice_
        if stop <= start:
            return []
        params += [stop - start, start]
    with conn.cursor() as cursor:
        execute(cursor, sql, params)
        rows = cursor.fetchall()
    alias = conn.alias
    if not related_layout:
        return [model.from_db(alias, attnames, _converted(row, converters, conn)) for row in rows]
    out = []
    width = len(attnames)
    for row in rows:
        obj = model.from_db(alias, attnames, _converted(row[:width], converters, conn))
        for fk, rel_model, begin, end, rel_attnames, rel_converters in related_layout:
            fk.set_cached_value(obj, rel_model.from_db(alias, rel_attnames, _converted(row[begin:end], rel_converters, conn)))
        out.append(obj)
    return out


def fetch_one(model, *, for_update: bool = False, **where):
    """The first row of `fetch_all` (by primary key order is not implied: use unique conditions), or None."""
    rows = fetch_all(model, for_update=for_update, **where)
    return rows[0] if rows else None


def _update_statement(instance, fields, send_signals=True):
    """(sql, params, after) of `instance.save(update_fields=fields)`; sends pre_save now
    (none with `send_signals=False`: see `Batch.update_fields`)."""
    conn = db()
    model = type(instance)
    opts = model._meta
    fields = tuple(fields)
    key = ("update", conn.vendor, model, fields)
    found = _sql_cache.get(key)
    if found is None:
        objs = [opts.get_field(name) for name in fields]
        table = _q(opts.db_table)
        sets = ", ".join(f"{_q(f.column)} = %s" for f in objs)
        found = (f"UPDATE {table} SET {sets} WHERE {_q(opts.pk.column)} = %s", objs)
        _sql_cache[key] = found
    sql, objs = found
    using = conn.alias
    update_fields_set = frozenset(fields)
    if send_signals:
        signals.pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=update_fields_set)
    params = [f.get_db_prep_save(f.pre_save(instance, False), conn) for f in objs]
    params.append(opts.pk.get_db_prep_value(instance.pk, conn))

    def after():
        instance._state.adding = False
        instance._state.db = using
        if send_signals:
            signals.post_save.send(
                sender=model, instance=instance, created=False, update_fields=update_fields_set, raw=False, using=using
            )

    return sql, params, after


def _plain_value(field) -> bool:
    """Whether the database takes this field's Python value as it is (integers, strings,
    booleans, integer foreign keys): `get_db_prep_save` returns it unchanged on every backend."""
    if field.is_relation:
        return field.many_to_one and isinstance(field.target_field, models.IntegerField)
    return isinstance(field, (models.IntegerField, models.CharField, models.TextField, models.BooleanField))


def _values_insert_statement(model, rows):
    """(sql, params) of inserting `rows` into `model`'s table without model instances: each
    row a dict of every concrete non-primary-key field's value by attname (`user_id`, not
    `user`), of the field's Python type. The statement is `bulk_create`'s; values of
    other fields (dates, times, decimals, JSON) are prepared by the field, as the ORM would.
    Fields' defaults and `pre_save` (auto_now_add) do not apply: give every value."""
    conn = db()
    opts = model._meta
    key = ("insert-values", conn.vendor, model, len(rows))
    found = _sql_cache.get(key)
    if found is None:
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        columns = ", ".join(_q(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {_q(opts.db_table)} ({columns}) VALUES {', '.join([row] * len(rows))}"
        found = (sql, [(f.attname, None if _plain_value(f) else f) for f in fields])
        _sql_cache[key] = found
    sql, columns = found
    params = []
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"{model.__name__} row: expected {[name for name, _ in columns]}, got {list(row)}")
        params += [row[name] if field is None else field.get_db_prep_save(row[name], conn) for name, field in columns]
    return sql, params


class Batch:
    """Writes whose only answer is "done", sent together by `run()`.

    On PostgreSQL they go as one statement, each write a data-modifying CTE
    (`WITH w0 AS (UPDATE ... RETURNING 1), w1 AS (INSERT ... RETURNING 1) SELECT
    <rows of each>`): one round trip instead of one per write. So the writes
    must touch different rows and not read one another's changes (a CTE sees
    the database as the statement began). Elsewhere they run one by one, in
    order. Either way, as the ORM: an update that matched no row raises
    DatabaseError, and post_save signals are sent once the writes are done.
    A failed write fails the statement; the caller's transaction rolls back.
    """

    def __init__(self):
        self._writes: list[tuple[str, list, int | None, object]] = []

    def __len__(self) -> int:
        return len(self._writes)

    def add(self, sql: str, params: list, *, expect_rows: int | None = None, after=None) -> None:
        """A write without RETURNING; `expect_rows`: fail unless it affected that many rows."""
        self._writes.append((sql, list(params), expect_rows, after))

    def update_fields(self, instance, fields, *, send_signals: bool = True) -> None:
        """`instance.save(update_fields=fields)` (pre_save signals now, post_save at `run`).
        `send_signals=False` for a hot write whose caller does itself what the receivers
        would (the progress service replaces the user's cache token: apps/profiles/apps.py)."""
        sql, params, after = _update_statement(instance, fields, send_signals)
        self.add(sql, params, expect_rows=1, after=after)

    def insert_rows(self, model, rows: list[dict]) -> None:
        """`bulk_create` of new rows of one plain model given as values, not instances
        (`_values_insert_statement`); no signals, as `bulk_create` sends none."""
        if rows:
            self.add(*_values_insert_statement(model, rows))

    def run(self) -> None:
        conn = db()
        writes, self._writes = self._writes, []
        if not writes:
            return
        with conn.cursor() as cursor:
            if len(writes) > 1 and conn.vendor == "postgresql":
                ctes = ", ".join(f"w{i} AS ({sql} RETURNING 1)" for i, (sql, _, _, _) in enumerate(writes))
                counts = ", ".join(f"(SELECT COUNT(*) FROM w{i})" for i in range(len(writes)))
                execute(cursor, f"WITH {ctes} SELECT {counts}", [p for _, params, _, _ in writes for p in params])
                rows = cursor.fetchone()
            else:
                rows = []
                for sql, params, _, _ in writes:
                    execute(cursor, sql, params)
                    rows.append(cursor.rowcount)
        for (_, _, expected, _), affected in zip(writes, rows, strict=True):
            if expected is not None and affected != expected:
                if affected == 0:
                    raise DatabaseError("Save with update_fields did not affect any rows.")
                raise DatabaseError(f"A write affected {affected} rows instead of {expected}.")
        for _, _, _, after in writes:
            if after is not None:
                after()


def update_fields(instance, fields) -> None:
    """`instance.save(update_fields=fields)` for a plain model (no inheritance)."""
    batch = Batch()
    batch.update_fields(instance, fields)
    batch.run()


def insert_rows(model, rows: list[dict]) -> None:
    """`Model.objects.bulk_create(...)` of new rows of one plain model with an auto primary key,
    given as {attname: value} dicts (`Batch.insert_rows`); the primary keys are not read back."""
    batch = Batch()
    batch.insert_rows(model, rows)
    batch.run()


def _converted(row, converters, conn):
    if not converters:
        return row
    row = list(row)
    for i, funcs, field in converters:
        value = row[i]
        for func in funcs:
            value = func(value, field.cached_col, conn)
        row[i] = value
    return row


def count(model, **where) -> int:
    """`model.objects.filter(**where).count()` (the lookups of `fetch_all`, but `in`)."""
    conn = db()
    opts = model._meta
    names = tuple(where)
    key = ("count", conn.vendor, model, names)
    found = _sql_cache.get(key)
    if found is None:
        parsed = [_parse(opts, name) for name in names]
        if any(op == "in" for _, op in parsed):
            raise ValueError("count() takes no `in` lookups")
        conditions = " AND ".join(f"{_q(f.column)} {OPERATORS[op]} %s" for f, op in parsed)
        found = (f"SELECT COUNT(*) FROM {_q(opts.db_table)} WHERE {conditions}", parsed)
        _sql_cache[key] = found
    sql, parsed = found
    values = [where[name] for name in names]
    if any(op == "exact" and not _in_range(f, v, conn) for (f, op), v in zip(parsed, values, strict=True)):
        return 0
    with conn.cursor() as cursor:
        execute(cursor, sql, [f.get_db_prep_value(v, conn) for (f, _), v in zip(parsed, values, strict=True)])
        return cursor.fetchone()[0]


def fetch_reads(reads) -> list:
    """The values of scalar subqueries `reads` ((sql, params), ...), in one `SELECT` (one
    round trip), for a caller with no statement of its own to carry them."""
    if not reads:
        return []
    with db().cursor() as cursor:
        execute(cursor, "SELECT " + ", ".join(f"({sql})" for sql, _ in reads), [p for _, params in reads for p in params])
        return list(cursor.fetchone())


def fetch_with_siblings(model, *, pk, siblings: tuple, for_update: bool = False):
    """`model.objects[.select_for_update(of=("self",))].filter(pk=pk).first()` and, in
    the same statement, the row of each model in `siblings` that has the same primary
    key (tables keyed by the same thing, e.g. a user's wallet and streak, both keyed
    by the user): (instance or None, [sibling instance or None, ...]). Only `model`'s
    row is locked."""
    conn = db()
    if not _in_range(model._meta.pk, pk, conn):
        return None, [None] * len(siblings)
    key = ("siblings", conn.vendor, model, siblings, for_update)
    found = _sql_cache.get(key)
    if found is None:
        table = _q(model._meta.db_table)
        parts = [(model, list(model._meta.concrete_fields), table)]
        joins = []
        for n, sibling in enumerate(siblings):
            alias = _q(f"s{n}")
            joins.append(
                f"LEFT OUTER JOIN {_q(sibling._meta.db_table)} {alias} "
                f"ON {alias}.{_q(sibling._meta.pk.column)} = {table}.{_q(model._meta.pk.column)}"
            )
            parts.append((sibling, list(sibling._meta.concrete_fields), alias))
        columns = ", ".join(f"{alias}.{_q(f.column)}" for _, fields, alias in parts for f in fields)
        sql = f"SELECT {columns} FROM {table} {' '.join(joins)} WHERE {table}.{_q(model._meta.pk.column)} = %s"
        if for_update and conn.features.has_select_for_update:
            sql += f" FOR UPDATE OF {table}" if conn.features.has_select_for_update_of else " FOR UPDATE"
        layout = []
        start = 0
        for part_model, fields, _ in parts:
            pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
            layout.append((part_model, start, start + len(fields), [f.attname for f in fields], _converters(fields), pk_index))
            start += len(fields)
        found = _sql_cache[key] = (sql, layout)
    sql, layout = found
    with conn.cursor() as cursor:
        execute(cursor, sql, [model._meta.pk.get_db_prep_value(pk, conn)])
        row = cursor.fetchone()
    if row is None:
        return None, [None] * len(siblings)
    alias = conn.alias
    objs = []
    for part_model, begin, end, attnames, converters, pk_index in layout:
        values = row[begin:end]
        objs.append(None if values[pk_index] is None else part_model.from_db(alias, attnames, _converted(values, converters, conn)))
    return objs[0], objs[1:]


def upsert_add(instance, *, conflict: tuple[str, ...], add: tuple[str, ...]):
    """`upsert_add_and_read` without reads: the row as it now is."""
    return upsert_add_and_read(instance, conflict=conflict, add=add)[0]


def upsert_add_and_read(instance, *, conflict: tuple[str, ...], add: tuple[str, ...], reads=(), send_signals=True):
    """Insert `instance` (a new row of a plain model with an auto primary key) or, when
    a row with the same `conflict` columns exists (a unique constraint), add the
    instance's `add` values to that row's instead: one statement that leaves the row
    locked, as `select_for_update` + `save` would. Sends post_save (created=False either
    way: receivers here only need to know the row changed), unless `send_signals=False`
    (as `Batch.update_fields`).

    `reads`: scalar subqueries ((sql, params), ...) for the same statement to return
    too, as the stats upserts take them. Returns (the row as it now is, a new instance;
    [read values])."""
    conn = db()
    model = type(instance)
    opts = model._meta
    key = ("upsert_add", conn.vendor, model, conflict, add, tuple(sql for sql, _ in reads))
    found = _sql_cache.get(key)
    if found is None:
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        table = _q(opts.db_table)
        columns = ", ".join(_q(f.column) for f in fields)
        conflict_columns = ", ".join(_q(opts.get_field(name).column) for name in conflict)
        sets = ", ".join(
            f"{_q(opts.get_field(name).column)} = {table}.{_q(opts.get_field(name).column)} "
            f"+ EXCLUDED.{_q(opts.get_field(name).column)}"
            for name in add
        )
        returned = list(opts.concrete_fields)
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({conflict_columns}) DO UPDATE SET {sets} "
            f"RETURNING {', '.join([*(_q(f.column) for f in returned), *(f'({sql})' for sql, _ in reads)])}"
        )
        found = _sql_cache[key] = (sql, fields, [f.attname for f in returned], _converters(returned))
    sql, fields, attnames, converters = found
    params = [f.get_db_prep_save(f.pre_save(instance, True), conn) for f in fields]
    for _, read_params in reads:
        params += read_params
    with conn.cursor() as cursor:
        execute(cursor, sql, params)
        row = cursor.fetchone()
    width = len(attnames)
    obj = model.from_db(conn.alias, attnames, _converted(row[:width], converters, conn))
    if send_signals:
        signals.post_save.send(sender=model, instance=obj, created=False, update_fields=None, raw=False, using=conn.alias)
    return obj, list(row[width:])


def lock_pair(model, *, pk, other, other_pk, other_owner: str):
    """Lock `model`'s row `pk` and `other`'s row `other_pk` whose `other_owner` column
    equals `pk` (e.g. a user's wallet and one of that user's tasks), in one statement:
    (row, other row), or (None, None) when either is missing (the caller then locks
    them one by one to tell which). Rows are locked in that order (`FOR UPDATE OF`
    lists them so); the other row is locked, so it is read as its latest version."""
    conn = db()
    if not (_in_range(model._meta.pk, pk, conn) and _in_range(other._meta.pk, other_pk, conn)):
        return None, None
    key = ("pair", conn.vendor, model, other, other_owner)
    found = _sql_cache.get(key)
    if found is None:
        table = _q(model._meta.db_table)
        fields, other_fields = list(model._meta.concrete_fields), list(other._meta.concrete_fields)
        columns = ", ".join([f"{table}.{_q(f.column)}" for f in fields] + [f"o.{_q(f.column)}" for f in other_fields])
        owner = other._meta.get_field(other_owner).column
        sql = (
            f"SELECT {columns} FROM {table} INNER JOIN {_q(other._meta.db_table)} o "
            f"ON o.{_q(other._meta.pk.column)} = %s AND o.{_q(owner)} = {table}.{_q(model._meta.pk.column)} "
            f"WHERE {table}.{_q(model._meta.pk.column)} = %s"
        )
        if conn.features.has_select_for_update:
            sql += f" FOR UPDATE OF {table}, o" if conn.features.has_select_for_update_of else " FOR UPDATE"
        found = _sql_cache[key] = (
            sql, [f.attname for f in fields], _converters(fields), [f.attname for f in other_fields],
            _converters(other_fields), len(fields),
        )
    sql, attnames, converters, other_attnames, other_converters, width = found
    with conn.cursor() as cursor:
        execute(cursor, sql, [other._meta.pk.get_db_prep_value(other_pk, conn), model._meta.pk.get_db_prep_value(pk, conn)])
        row = cursor.fetchone()
    if row is None:
        return None, None
    alias = conn.alias
    return (
        model.from_db(alias, attnames, _converted(row[:width], converters, conn)),
        other.from_db(alias, other_attnames, _converted(row[width:], other_converters, conn)),
    )


# -- server-side prepared statements (PostgreSQL) ---------------------------------
_PLACEHOLDER = re.compile(r"%s")


def execute(cursor, sql: str, params) -> None:
    """`cursor.execute(sql, params)`; on PostgreSQL (unless DB_PREPARED_STATEMENTS is
    off) as a prepared statement of the session: the first time a connection runs
    this text it sends `PREPARE dt_N AS <sql>; EXECUTE dt_N(...)` in one round trip,
    afterwards only `EXECUTE dt_N(...)`, so PostgreSQL parses and plans these fixed
    hot statements once per connection instead of on every call (about a third of
    its CPU per statement here). Prepared statements outlive a rolled-back
    transaction; an attempt that fails is never reused under its name. Not for
    connection poolers that share sessions between clients (pgbouncer in
    transaction mode): turn it off there."""
    conn = cursor.db
    if conn.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS or "%%" in sql or "%(" in sql:
        cursor.execute(sql, params)
        return
    raw = conn.connection
    state = getattr(conn, "_dt_prepared", None)
    if state is None or state[0] is not raw:
        state = conn._dt_prepared = (raw, {}, [0])
    _, names, counter = state
    arguments, values = _arguments(params or ())
    name = names.get(sql)
    if name is not None:
        cursor.execute(f"EXECUTE {name}{arguments}", values)
        return
    counter[0] += 1
    name = f"dt_{counter[0]}"
    numbered = iter(range(1, len(params or ()) + 1))
    body = _PLACEHOLDER.sub(lambda m: f"${next(numbered)}", sql)
    cursor.execute(f"PREPARE {name} AS {body}; EXECUTE {name}{arguments}", values)
    names[sql] = name


def _int_literal(value: int) -> str:
    return str(value) if value >= 0 else f" {value}"  # psycopg2's space: `- -5` is no comment


def _arguments(values) -> tuple[str, list]:
    """The `EXECUTE` argument list and the values psycopg2 still has to quote. Integers,
    booleans, NULL, dates, datetimes and integer lists are written as psycopg2 writes them
    (`5`, ` -5`, `true`, `NULL`, `'2026-12-01'::date`, `'...+00:00'::timestamptz`,
    `ARRAY[6,7]`), without its per-value adapter lookup; str subclasses (choices' enum
    members) are passed as the plain strings psycopg2 would quote for them. The statement
    text is the one `cursor.mogrify` would give (tested)."""
    if not values:
        return "", []
    parts, passed = [], []
    for value in values:
        kind = type(value)
        if kind is int:
            parts.append(_int_literal(value))
        elif kind is bool:
            parts.append("true" if value else "false")
        elif value is None:
            parts.append("NULL")
        elif kind is datetime.datetime:
            parts.append(f"'{value.isoformat()}'::timestamp" + ("tz" if value.tzinfo is not None else ""))
        elif kind is datetime.date:
            parts.append(f"'{value.isoformat()}'::date")
        elif kind is list and value and all(type(item) is int for item in value):
            parts.append("ARRAY[" + ",".join(map(_int_literal, value)) + "]")
        else:
            parts.append("%s")
            passed.append(str.__str__(value) if kind is not str and isinstance(value, str) else value)
    return "(" + ", ".join(parts) + ")", passed
