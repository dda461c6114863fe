"""Reads of tasks, shaped for their callers."""
from datetime import date

from django.db import connection
from django.db.models import QuerySet

from .models import Task


def task_list_for_user(*, user) -> QuerySet[Task]:
    """The user's own tasks (someone else's task is therefore a 404)."""
    return Task.objects.filter(user=user)


def task_counts_for_user(*, user, today: date) -> dict[str, int]:
    """`{due_today, overdue, open}` counts of open tasks, in one query (for the dashboard).

    The aggregate `Task.objects.filter(user=user).aggregate(Count(filter=...))`
    written as fixed SQL (portable CASE, no per-call ORM compilation)."""
    q = connection.ops.quote_name
    sql = _COUNTS_SQL.get(connection.vendor)
    if sql is None:
        status, deadline = q("status"), q("deadline")
        open_ = f"{status} = %s"
        sql = (
            f"SELECT COUNT(CASE WHEN {open_} AND {deadline} = %s THEN 1 END), "
            f"COUNT(CASE WHEN {open_} AND {deadline} < %s THEN 1 END), "
            f"COUNT(CASE WHEN {open_} THEN 1 END) "
            f"FROM {q(Task._meta.db_table)} WHERE {q('user_id')} = %s"
        )
        _COUNTS_SQL[connection.vendor] = sql
    day = connection.ops.adapt_datefield_value(today)
    status = Task.Status.OPEN.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [status, day, status, day, status, user.pk])
        due_today, overdue, open_count = cursor.fetchone()
    return {"due_today": due_today, "overdue": overdue, "open": open_count}


_COUNTS_SQL: dict[str, str] = {}
