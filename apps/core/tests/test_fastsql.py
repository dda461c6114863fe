"""apps.core.fastsql answers exactly as the ORM calls it replaces (SQLite here, PostgreSQL in CI)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from apps.boosts.models import ActiveBoost
from apps.core.fastsql import fetch_all, fetch_one, insert_rows, update_fields
from apps.progression.models import Currency, LedgerEntry, Wallet
from apps.streaks.models import Streak
from apps.tasks.models import Task

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_fetch_matches_the_orm_with_converted_types(make_user):
    user = make_user()
    now = timezone.now()
    Task.objects.create(user=user, title="t", deadline=dt.date(2030, 1, 2))
    Streak.objects.filter(user=user).update(last_active_date=dt.date(2030, 1, 1), current=3, longest=4)
    for minutes in (-5, 5, 50):
        ActiveBoost.objects.create(
            user=user, type="xp", multiplier=Decimal("1.50"), started_at=now - dt.timedelta(hours=1),
            expires_at=now + dt.timedelta(minutes=minutes),
        )
    with transaction.atomic():
        for model, where in (
            (Wallet, {"user_id": user.pk}),
            (Streak, {"user_id": user.pk}),
            (Task, {"user_id": user.pk}),
        ):
            fast = fetch_one(model, for_update=True, **where)
            assert _fields(fast) == _fields(model.objects.get(**where))
            assert not fast._state.adding
    boosts = fetch_all(ActiveBoost, user_id=user.pk, expires_at__gt=now, started_at__lte=now, order_by=("expires_at",))
    orm = list(ActiveBoost.objects.filter(user_id=user.pk, expires_at__gt=now, started_at__lte=now).order_by("expires_at"))
    assert [_fields(b) for b in boosts] == [_fields(b) for b in orm] and len(boosts) == 2
    assert boosts[0].multiplier == Decimal("1.50") and boosts[0].expires_at.tzinfo is not None
    task_ids = list(Task.objects.values_list("id", flat=True))
    assert [t.pk for t in fetch_all(Task, pk__in=task_ids + [10**6])] == task_ids
    assert fetch_all(Task, pk__in=[]) == []


def test_out_of_range_integers_find_nothing_like_the_orm(make_user):
    user = make_user()
    task = Task.objects.create(user=user, title="t")
    assert fetch_one(Task, pk=2**70) is None
    assert fetch_one(Task, pk=-(2**70), user_id=user.pk) is None
    assert [t.pk for t in fetch_all(Task, pk__in=[task.pk, 2**70])] == [task.pk]


def test_update_fields_is_save_with_update_fields(make_user):
    user = make_user()
    wallet = Wallet.objects.get(user=user)
    before = wallet.updated_at
    seen = []

    def pre(sender, instance, update_fields, **kwargs):
        seen.append(("pre", instance, update_fields))

    def post(sender, instance, created, update_fields, **kwargs):
        seen.append(("post", instance, created, update_fields))

    pre_save.connect(pre, sender=Wallet)
    post_save.connect(post, sender=Wallet)
    try:
        wallet.coins = 42
        update_fields(wallet, ["coins", "updated_at"])
    finally:
        pre_save.disconnect(pre, sender=Wallet)
        post_save.disconnect(post, sender=Wallet)
    fresh = Wallet.objects.get(user=user)
    assert fresh.coins == 42 and fresh.updated_at > before and fresh.updated_at == wallet.updated_at
    assert seen == [
        ("pre", wallet, frozenset({"coins", "updated_at"})),
        ("post", wallet, False, frozenset({"coins", "updated_at"})),
    ]
    gone = Wallet(user_id=user.pk + 1000, coins=1)
    with pytest.raises(DatabaseError):
        update_fields(gone, ["coins"])


def test_insert_rows_is_bulk_create(make_user):
    user = make_user()
    now = timezone.now()
    rows = [
        {"user_id": user.pk, "currency": Currency.XP, "amount": n, "balance_after": n, "reason": "r", "ref": f"x{n}",
         "created_at": now}
        for n in (1, 2)
    ]
    insert_rows(LedgerEntry, rows)
    insert_rows(LedgerEntry, [])
    stored = list(
        LedgerEntry.objects.filter(user=user, reason="r").order_by("amount").values("currency", "amount", "ref", "created_at")
    )
    assert stored == [
        {"currency": "xp", "amount": 1, "ref": "x1", "created_at": now},
        {"currency": "xp", "amount": 2, "ref": "x2", "created_at": now},
    ]


def test_insert_rows_sends_what_the_orm_sends(make_user, settings):
    """The statement and its values are bulk_create's: the same text (bar the ORM's
    RETURNING of the ids), values as the fields prepare them (on SQLite a datetime
    becomes a string), and the stored rows are equal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DB_PREPARED_STATEMENTS = False  # the statement's own text, not `EXECUTE dt_N(...)`
    user = make_user()
    values = {"user_id": user.pk, "currency": Currency.COINS, "amount": -3, "balance_after": 7, "reason": "r",
              "ref": "item:1", "created_at": timezone.now()}
    with CaptureQueriesContext(connection) as fast:
        insert_rows(LedgerEntry, [values])
    with CaptureQueriesContext(connection) as orm:
        LedgerEntry.objects.bulk_create([LedgerEntry(**values)])
    assert fast.captured_queries[0]["sql"] == orm.captured_queries[0]["sql"].split(" RETURNING ")[0]
    fast_row, orm_row = LedgerEntry.objects.filter(user=user).order_by("id").values(*values)
    assert fast_row == orm_row == {**values, "currency": "coins"}


def test_insert_rows_refuses_a_row_without_every_column(make_user):
    user = make_user()
    with pytest.raises(ValueError, match="expected"):
        insert_rows(LedgerEntry, [{"user_id": user.pk, "currency": "xp", "amount": 1}])
    with pytest.raises(KeyError):
        insert_rows(
            LedgerEntry,
            [{"user_id": user.pk, "currency": "xp", "amount": 1, "balance_after": 1, "reason": "r", "ref": "",
              "created": timezone.now()}],
        )
    assert not LedgerEntry.objects.filter(user=user, reason="r").exists()


def test_fetch_with_siblings_reads_rows_keyed_alike_in_one_statement(make_user):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.fastsql import fetch_with_siblings

    user = make_user()
    with CaptureQueriesContext(connection) as ctx:
        wallet, (streak,) = fetch_with_siblings(Wallet, pk=user.pk, siblings=(Streak,))
    assert len(ctx.captured_queries) == 1
    assert _fields(wallet) == _fields(Wallet.objects.get(user=user))
    assert _fields(streak) == _fields(Streak.objects.get(user=user))
    bare = get_user_model().objects.create_user(username="bare", email="bare@example.com", password="x-Passw0rd-123")
    Streak.objects.filter(user=bare).delete()
    wallet, (streak,) = fetch_with_siblings(Wallet, pk=bare.pk, siblings=(Streak,))
    assert wallet is not None and streak is None  # a missing sibling is None
    assert fetch_with_siblings(Wallet, pk=10**9, siblings=(Streak,)) == (None, [None])
    assert fetch_with_siblings(Wallet, pk=2**70, siblings=(Streak,)) == (None, [None])


def test_count_and_slices_match_the_orm(make_user):
    from apps.core.fastsql import count

    user, other = make_user(), make_user()
    Task.objects.bulk_create(Task(user=u, title=f"t{n}") for n in range(7) for u in (user, other))
    assert count(Task, user_id=user.pk) == Task.objects.filter(user=user).count() == 7
    assert count(Task, user_id=2**70) == 0
    orm = list(Task.objects.filter(user=user).values_list("pk", flat=True))  # Meta ordering: newest first
    for start, stop in ((0, 3), (3, 6), (6, 9), (5, 5), (9, 20)):
        fast = fetch_all(Task, user_id=user.pk, order_by=tuple(Task._meta.ordering), slice_=(start, stop))
        assert [t.pk for t in fast] == orm[start:stop]


def test_select_related_matches_the_orm(make_user):
    from apps.inventory.models import InventoryItem
    from apps.inventory.services import inventory_grant
    from apps.shop.models import Item

    user = make_user()
    for n in range(3):
        item = Item.objects.create(name=f"i{n}", type="avatar", rarity="common", price_coins=5)
        inventory_grant(user=user, item=item, quantity=1, reason="test")
    orm = list(InventoryItem.objects.filter(user=user, quantity__gt=0).select_related("item"))
    fast = fetch_all(
        InventoryItem, user_id=user.pk, quantity__gt=0, order_by=tuple(InventoryItem._meta.ordering),
        slice_=(0, 10), select_related=("item",),
    )
    assert [_fields(r) for r in fast] == [_fields(r) for r in orm]
    assert [_fields(r.item) for r in fast] == [_fields(r.item) for r in orm]


def test_a_batch_runs_its_writes_in_one_statement_on_postgresql_and_in_order_elsewhere(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.fastsql import Batch
    from apps.stats.models import DailyActivity
    from apps.stats.services import daily_activity_increment_later

    user = make_user()
    task = Task.objects.create(user=user, title="t")
    wallet = Wallet.objects.get(user=user)
    saved = []
    post_save.connect(lambda sender, instance, **kw: saved.append(sender), weak=False, dispatch_uid="batch-test")
    try:
        with transaction.atomic():
            wallet.coins, task.title = 42, "renamed"
            batch = Batch()
            batch.update_fields(wallet, ["coins"])
            batch.update_fields(task, ["title"])
            batch.insert_rows(
                LedgerEntry,
                [{"user_id": user.pk, "currency": "coins", "amount": 42, "balance_after": 42, "reason": "t", "ref": "",
                  "created_at": timezone.now()}],
            )
            day = dt.date(2030, 1, 1)
            daily_activity_increment_later(user_id=user.pk, day=day, deltas={"coins_earned": 42}, batch=batch)
            assert saved == []  # post_save waits for the write
            with CaptureQueriesContext(connection) as ctx:
                batch.run()
    finally:
        post_save.disconnect(dispatch_uid="batch-test")
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 4)
    assert saved == [Wallet, Task]
    assert Wallet.objects.get(user=user).coins == 42
    assert Task.objects.get(pk=task.pk).title == "renamed"
    assert LedgerEntry.objects.filter(user=user, reason="t").count() == 1
    assert DailyActivity.objects.get(user=user, date=dt.date(2030, 1, 1)).coins_earned == 42
    assert len(batch) == 0  # run() empties it


def test_a_batch_whose_update_matches_no_row_fails_and_writes_nothing(make_user):
    from apps.core.fastsql import Batch

    user = make_user()
    task = Task.objects.create(user=user, title="t")
    gone = Task.objects.create(user=user, title="gone")
    Task.objects.filter(pk=gone.pk).delete()
    task.title, gone.title = "renamed", "x"
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        batch = Batch()
        batch.update_fields(task, ["title"])
        batch.update_fields(gone, ["title"])
        batch.run()
    assert Task.objects.get(pk=task.pk).title == "t"


def test_lock_pair_returns_both_rows_or_nothing(make_user):
    from apps.core.fastsql import lock_pair

    alice, bob = make_user(), make_user()
    task = Task.objects.create(user=alice, title="t", deadline=dt.date(2030, 1, 2))
    with transaction.atomic():
        wallet, locked = lock_pair(Wallet, pk=alice.pk, other=Task, other_pk=task.pk, other_owner="user")
        assert _fields(wallet) == _fields(Wallet.objects.get(user=alice))
        assert _fields(locked) == _fields(Task.objects.get(pk=task.pk))
        # someone else's task, a missing one, an id no column holds: nothing locked, nothing returned
        assert lock_pair(Wallet, pk=bob.pk, other=Task, other_pk=task.pk, other_owner="user") == (None, None)
        assert lock_pair(Wallet, pk=alice.pk, other=Task, other_pk=task.pk + 1000, other_owner="user") == (None, None)
        assert lock_pair(Wallet, pk=alice.pk, other=Task, other_pk=2**70, other_owner="user") == (None, None)


def test_hot_statements_are_prepared_once_per_postgresql_session_and_a_failed_attempt_is_not_reused(make_user, settings):
    from django.db import IntegrityError, connection

    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements exist on PostgreSQL only")
    from apps.core.fastsql import execute

    user = make_user()

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'dt_%%'")
            return {row[0] for row in cursor.fetchall()}

    before = prepared()
    for _ in range(3):
        assert _fields(fetch_one(Wallet, user_id=user.pk)) == _fields(Wallet.objects.get(user=user))
    assert len(prepared() - before) == 1  # one statement, prepared on first use, executed three times
    # A first attempt that fails (here: a unique violation) is not remembered under its name...
    sql = 'INSERT INTO "stats_statcounter" ("user_id", "key", "value") VALUES (%s, %s, %s)'
    with connection.cursor() as cursor:
        execute(cursor, sql, [user.pk, "k", 1])
    fresh = 'INSERT INTO "stats_statcounter" ("user_id", "key", "value") VALUES (%s, %s, %s) RETURNING "id"'
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        execute(cursor, fresh, [user.pk, "k", 1])
    # ...so the next use prepares it again under a new name and works.
    with connection.cursor() as cursor:
        execute(cursor, fresh, [user.pk, "k2", 1])
        assert cursor.fetchone()[0] > 0
    settings.DB_PREPARED_STATEMENTS = False
    count = len(prepared())
    with connection.cursor() as cursor:
        execute(cursor, 'SELECT COUNT(*) FROM "stats_statcounter" WHERE "user_id" = %s', [user.pk])
        assert cursor.fetchone()[0] == 2
    assert len(prepared()) == count  # turned off: a plain statement


def test_upsert_add_and_read_returns_the_row_and_the_reads_of_the_same_statement(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.fastsql import upsert_add_and_read
    from apps.inventory.models import InventoryItem
    from apps.shop.models import Item

    user = make_user()
    item = Item.objects.create(name="stack", type="avatar", rarity="common", price_coins=5)
    table = connection.ops.quote_name(Task._meta.db_table)
    Task.objects.create(user=user, title="one")
    reads = ((f"SELECT COUNT(*) FROM {table} WHERE user_id = %s", [user.pk]), ("SELECT %s + 0", [7]))
    for quantity, expected in ((2, 2), (3, 5)):
        Task.objects.create(user=user, title=f"more {quantity}")
        with CaptureQueriesContext(connection) as ctx:
            row, values = upsert_add_and_read(
                InventoryItem(user_id=user.pk, item_id=item.pk, quantity=quantity),
                conflict=("user", "item"), add=("quantity",), reads=reads,
            )
        assert len(ctx.captured_queries) == 1
        assert row.quantity == expected and _fields(row) == _fields(InventoryItem.objects.get(pk=row.pk))
        assert values == [Task.objects.filter(user=user).count(), 7]


# Values of every kind the hot statements send, with the edge cases of each.
ARGUMENT_VALUES = [
    0, 7, -5, 2**62, -(2**62), True, False, None,
    "plain", "", "it's 100% 'quoted' \\ text", Task.Status.COMPLETED, Currency.XP,
    dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 14, 56, 52, 745279, tzinfo=dt.UTC), dt.datetime(2026, 1, 2, 3, 4, 5),
    dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-9, minutes=-30))), dt.date(1, 1, 1),
    Decimal("1.50"), 2.5, [6, 7, -8], [42], [], ["a", "b"], [1, True],
]


def test_execute_arguments_are_the_text_psycopg2_would_send():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the EXECUTE argument list exists on PostgreSQL only")
    from apps.core.fastsql import _arguments

    with connection.cursor() as cursor:
        raw = cursor.cursor
        for values in ([], ARGUMENT_VALUES, ARGUMENT_VALUES[::-1], [None, None], [-1]):
            arguments, passed = _arguments(list(values))
            expected = raw.mogrify("EXECUTE s(" + ", ".join(["%s"] * len(values)) + ")", values) if values else b"EXECUTE s"
            assert raw.mogrify(f"EXECUTE s{arguments}", passed) == expected


def test_a_prepared_statement_returns_what_it_was_given():
    from django.db import connection

    from apps.core.fastsql import execute

    values = [v for v in ARGUMENT_VALUES if not isinstance(v, list | float | Decimal)]
    if connection.vendor != "postgresql":
        values = [v for v in values if not isinstance(v, dt.date)]  # SQLite has no date types to cast to

    def cast(v):
        if type(v) is dt.datetime:
            return "timestamptz" if v.tzinfo else "timestamp"
        return {int: "bigint", bool: "boolean", dt.date: "date"}.get(type(v), "text")

    columns = ", ".join("%s" if v is None else f"CAST(%s AS {cast(v)})" for v in values)
    for _ in range(2):  # prepared on the first call, executed on the second
        with connection.cursor() as cursor:
            execute(cursor, f"SELECT {columns}", values)
            assert list(cursor.fetchone()) == [str(v) if isinstance(v, str) else v for v in values]
    if connection.vendor == "postgresql":
        for _ in range(2):
            with connection.cursor() as cursor:
                execute(cursor, "SELECT CAST(%s AS bigint[]), CAST(%s AS bigint[]), CAST(%s AS text[])", [[6, 7, -8], [42], ["a", "b"]])
                assert cursor.fetchone() == ([6, 7, -8], [42], ["a", "b"])


def test_vendor_is_the_default_connections_and_sql_once_builds_each_key_once():
    import uuid

    from django.db import connection

    from apps.core import fastsql

    assert fastsql.vendor() == connection.vendor
    calls = []
    key = f"test-once-{uuid.uuid4().hex}"  # the cache is the process's: a key of this run's own

    def build(q):
        calls.append(q)
        return f"SELECT {q('id')} FROM {q('tasks_task')}"

    first = fastsql.sql_once(key, build)
    assert first == f"SELECT {connection.ops.quote_name('id')} FROM {connection.ops.quote_name('tasks_task')}"
    assert fastsql.sql_once(key, build) is first
    assert len(calls) == 1
    assert fastsql.sql_once(key + "-other", lambda q: ("a", "b")) == ("a", "b")  # its own key, its own text
    with connection.cursor() as cursor:  # the text runs as built
        cursor.execute(first + " WHERE 1 = 0")
        assert cursor.fetchall() == []
