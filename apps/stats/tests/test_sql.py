"""apps/stats/sql.py: the day's row upsert records when its XP last changed."""
from datetime import UTC, date, datetime

import pytest

from apps.stats.models import XP_NEVER_CHANGED, DailyActivity
from apps.stats.sql import daily_activity_add

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 9)
T1 = datetime(2026, 12, 9, 10, 0, 0, 123456, tzinfo=UTC)
T2 = datetime(2026, 12, 9, 11, 0, tzinfo=UTC)


def row(user):
    return DailyActivity.objects.get(user=user, date=DAY)


def test_a_row_without_xp_keeps_the_never_changed_time(user):
    daily_activity_add(user_id=user.pk, day=DAY, deltas={"habit_check_ins": 1}, at=T1)
    assert row(user).xp_changed_at == XP_NEVER_CHANGED


def test_an_xp_change_sets_the_time_and_other_changes_keep_it(user):
    daily_activity_add(user_id=user.pk, day=DAY, deltas={"xp_earned": 10, "tasks_completed": 1}, at=T1)
    assert (row(user).xp_earned, row(user).xp_changed_at) == (10, T1)  # microseconds kept
    daily_activity_add(user_id=user.pk, day=DAY, deltas={"coins_earned": 5, "xp_earned": 0}, at=T2)
    assert (row(user).xp_earned, row(user).coins_earned, row(user).xp_changed_at) == (10, 5, T1)
    daily_activity_add(user_id=user.pk, day=DAY, deltas={"xp_earned": -4}, at=T2)
    assert (row(user).xp_earned, row(user).tasks_completed, row(user).xp_changed_at) == (6, 1, T2)
