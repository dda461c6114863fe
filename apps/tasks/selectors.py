"""Reads of tasks, shaped for their callers."""
from datetime import date

from django.db.models import Count, Q, QuerySet

from .models import Task


def task_list_for_user(*, user) -> QuerySet[Task]:
    """The user's own tasks (someone else's task is therefore a 404)."""
    return Task.objects.filter(user=user)


def task_counts_for_user(*, user, today: date) -> dict[str, int]:
    """`{due_today, overdue, open}` counts of open tasks, in one query (for the dashboard)."""
    open_ = Q(status=Task.Status.OPEN)
    return Task.objects.filter(user=user).aggregate(
        due_today=Count("pk", filter=open_ & Q(deadline=today)),
        overdue=Count("pk", filter=open_ & Q(deadline__lt=today)),
        open=Count("pk", filter=open_),
    )
