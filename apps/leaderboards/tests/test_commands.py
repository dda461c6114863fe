"""`python manage.py leaderboard_rebuild`."""
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.stats.boards import board_for, redis_client

from .factories import earn

pytestmark = pytest.mark.django_db


def rebuild(*args) -> str:
    out = StringIO()
    call_command("leaderboard_rebuild", *args, stdout=out)
    return out.getvalue()


def test_without_redis_there_is_nothing_to_rebuild(monkeypatch):
    # Whatever this run's cache: the command asks the boards module for a client, None without Redis.
    monkeypatch.setattr("apps.leaderboards.management.commands.leaderboard_rebuild.redis_client", lambda: None)
    assert "read from the database" in rebuild()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL): the boards' sorted sets")
def test_one_period_rebuilds_only_that_periods_boards(make_user):
    ann = make_user("ann")
    today = timezone.now().date()
    earn(ann, today, 12)
    out = rebuild("--period", "week")
    week, month = board_for("week", today), board_for("month", today)
    assert f"rebuilt {week.key}" in out and "lb:m:" not in out and "lb:a" not in out
    client = redis_client()
    assert client.zscore(week.key, client.hget(week.index_key, ann.pk)) == 12
    assert client.exists(month.index_key, "lb:a:i") == 0
