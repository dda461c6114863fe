"""The hot paths build task bodies as plain dicts (`task_public`): they must equal TaskSerializer's output."""
import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from apps.tasks.models import Task
from apps.tasks.serializers import TaskSerializer, task_public

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def _render(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"deadline": dt.date(2030, 2, 28), "description": "with ünicode \u2603", "difficulty": "hard"},
        {"dream_id": 7, "difficulty": "trivial"},
        {
            "status": Task.Status.COMPLETED,
            "completed_at": dt.datetime(2031, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
            "completed_local_date": dt.date(2031, 1, 2),
        },
        {"status": Task.Status.COMPLETED, "completed_at": dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)},
    ],
)
def test_task_public_equals_the_serializer(make_user, fields):
    task = TaskFactory(user=make_user(), **fields)
    for row in (task, Task.objects.get(pk=task.pk)):  # as created and as read back
        expected = TaskSerializer(row).data
        assert task_public(row) == expected
        assert list(task_public(row)) == list(expected)  # the same key order
        assert _render(task_public(row)) == _render(expected)


def test_task_public_with_a_non_utc_aware_datetime(make_user):
    task = TaskFactory(user=make_user())
    task.completed_at = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    task.status = Task.Status.COMPLETED
    assert json.loads(_render(task_public(task))) == json.loads(_render(TaskSerializer(task).data))


def test_task_counts_equal_the_orm_aggregate(make_user):
    from django.db.models import Count, Q

    from apps.tasks.selectors import task_counts_for_user

    user, other = make_user(), make_user()
    today = dt.date(2030, 6, 15)
    for deadline in (None, today, today, today - dt.timedelta(days=1), today + dt.timedelta(days=1)):
        TaskFactory(user=user, deadline=deadline)
        TaskFactory(user=other, deadline=deadline)
    TaskFactory(user=user, deadline=today, status=Task.Status.COMPLETED, completed_at=timezone.now())
    TaskFactory(user=user, deadline=today - dt.timedelta(days=3), status=Task.Status.COMPLETED, completed_at=timezone.now())
    open_q = Q(status=Task.Status.OPEN)
    expected = Task.objects.filter(user=user).aggregate(
        due_today=Count("pk", filter=open_q & Q(deadline=today)),
        overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
        open=Count("pk", filter=open_q),
    )
    assert task_counts_for_user(user=user, today=today) == expected == {"due_today": 2, "overdue": 1, "open": 5}
    assert task_counts_for_user(user=make_user(), today=today) == {"due_today": 0, "overdue": 0, "open": 0}
