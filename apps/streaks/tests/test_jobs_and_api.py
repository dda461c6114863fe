from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from apps.achievements.tests.factories import shop_item
from apps.inventory.services import inventory_grant, streak_freezes_held
from apps.progression.tests.factories import complete_task
from apps.streaks import jobs
from apps.streaks.models import Streak
from conftest import client_for

pytestmark = pytest.mark.django_db

D1 = date(2024, 6, 1)


def at(day, hour=12, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def active_at(user, when):
    with time_machine.travel(when, tick=False):
        return complete_task(user)


def streak(user):
    return Streak.objects.get(user=user)


def test_the_daily_job_uses_a_freeze_then_breaks_the_streak_idempotently(user):
    inventory_grant(user_id=user.pk, item_id=shop_item().pk, quantity=1, reason="test")
    active_at(user, at(D1))
    active_at(user, at(D1 + timedelta(days=1)))
    # June 3rd missed: on June 4th the job pays it with the freeze.
    assert "1 settled (0 broken, 1 kept by freezes)" in jobs.run_daily(now=at(D1 + timedelta(days=3), 0, 30))
    assert (streak(user).current, streak(user).frozen_through) == (2, D1 + timedelta(days=2))
    assert streak_freezes_held(user_id=user.pk) == 0
    assert "0 settled" in jobs.run_daily(now=at(D1 + timedelta(days=3), 23))  # again the same day: nothing
    # June 4th missed too, no freeze left: broken on June 5th.
    assert "1 settled (1 broken" in jobs.run_daily(now=at(D1 + timedelta(days=4), 1))
    assert (streak(user).current, streak(user).longest) == (0, 2)
    assert "0 streaks checked" in jobs.run_daily(now=at(D1 + timedelta(days=9)))
    # The next activity starts again at 1.
    assert active_at(user, at(D1 + timedelta(days=9))).streak_current == 1


def test_the_job_and_the_next_activity_agree(make_user):
    lazy, settled = make_user("lazy"), make_user("settled")
    for who in (lazy, settled):
        inventory_grant(user_id=who.pk, item_id=shop_item().pk, quantity=1, reason="test")
        active_at(who, at(D1))
    jobs.run_daily(now=at(D1 + timedelta(days=2)))
    for who in (lazy, settled):
        assert active_at(who, at(D1 + timedelta(days=2))).streak_current == 2
        assert streak_freezes_held(user_id=who.pk) == 0


def test_the_job_waits_for_the_users_local_day_to_end(make_user):
    ahead = make_user("ahead", timezone="Pacific/Kiritimati")  # UTC+14
    behind = make_user("behind", timezone="Pacific/Pago_Pago")  # UTC-11
    active_at(ahead, datetime(2024, 6, 1, 0, 0, tzinfo=UTC))  # June 1st 14:00 local
    active_at(behind, datetime(2024, 6, 1, 12, 0, tzinfo=UTC))  # June 1st 01:00 local
    # 2024-06-02 10:30 UTC: June 3rd 00:30 in Kiritimati (June 2nd missed), June 1st 23:30 in Pago Pago.
    jobs.run_daily(now=datetime(2024, 6, 2, 10, 30, tzinfo=UTC))
    assert streak(ahead).current == 0 and streak(behind).current == 1
    # Pago Pago's June 2nd ends at 2024-06-03 11:00 UTC.
    jobs.run_daily(now=datetime(2024, 6, 3, 10, 59, tzinfo=UTC))
    assert streak(behind).current == 1
    jobs.run_daily(now=datetime(2024, 6, 4, 11, 0, tzinfo=UTC))
    assert streak(behind).current == 0


def test_run_daily_jobs_command_includes_streaks(user):
    out = StringIO()
    call_command("run_daily_jobs", stdout=out)
    assert "streaks:" in out.getvalue()


def streak_at(user, when):
    with time_machine.travel(when, tick=False):  # a token made at that moment is valid then
        r = client_for(user).get("/api/v1/streak/")
    assert r.status_code == 200
    return r.json()


def test_streak_endpoint(user):
    inventory_grant(user_id=user.pk, item_id=shop_item().pk, quantity=2, reason="test")
    assert streak_at(user, at(D1)) == {
        "current": 0, "longest": 0, "last_active_date": None, "freezes": 2,
        "next_milestone": {"days": 3, "xp": 30, "coins": 15, "crystals": 0},
    }
    for n in range(3):
        active_at(user, at(D1 + timedelta(days=n)))
    assert streak_at(user, at(D1 + timedelta(days=2), 20)) == {
        "current": 3, "longest": 3, "last_active_date": "2024-06-03", "freezes": 2,
        "next_milestone": {"days": 7, "xp": 100, "coins": 50, "crystals": 0},
    }
    # Two days missed, two freezes held: still 3 on read, before any job.
    assert streak_at(user, at(D1 + timedelta(days=5)))["current"] == 3
    # Three missed days: broken on read.
    body = streak_at(user, at(D1 + timedelta(days=6)))
    assert (body["current"], body["longest"]) == (0, 3)
    # Milestone 3 is claimed, so a new streak's next paying milestone is 7.
    assert body["next_milestone"]["days"] == 7


def test_next_milestone_is_null_when_all_are_claimed(user):
    from apps.streaks.models import StreakMilestoneClaim

    for days in (3, 7, 14, 30, 100, 365):
        StreakMilestoneClaim.objects.create(user=user, days=days)
    assert client_for(user).get("/api/v1/streak/").json()["next_milestone"] is None


def test_streak_endpoint_query_count_is_constant(make_user, django_assert_max_num_queries):
    fresh, busy = make_user(), make_user()
    inventory_grant(user_id=busy.pk, item_id=shop_item().pk, quantity=2, reason="test")
    inventory_grant(user_id=busy.pk, item_id=shop_item(name="Another Freeze").pk, quantity=1, reason="test")
    for n in range(8):
        active_at(busy, at(D1 + timedelta(days=n)))
    for who in (fresh, busy):
        client = client_for(who)
        with django_assert_max_num_queries(4):  # JWT user (cold), streak, freezes, claims
            assert client.get("/api/v1/streak/").status_code == 200


def test_streak_needs_auth(api_client):
    assert api_client.get("/api/v1/streak/").status_code == 401


def test_the_job_breaks_lapsed_streaks_in_a_constant_number_of_queries(make_user):
    """Set-based: a batch of users is locked and broken with a few statements, whatever its size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measured = {}
    for size in (3, 30):
        users = [make_user(f"lapsed{size}-{n}") for n in range(size)]
        for who in users:
            active_at(who, at(D1))
        with CaptureQueriesContext(connection) as ctx:
            summary = jobs.run_daily(now=at(D1 + timedelta(days=3)))
        assert f"{size} settled ({size} broken" in summary
        assert all(streak(who).current == 0 for who in users)
        measured[size] = len(ctx.captured_queries)
    assert measured[3] == measured[30], measured


def test_the_job_settles_a_batch_with_and_without_freezes_in_one_pass(make_user):
    keeper, breaker, fresh = make_user("keeper"), make_user("breaker"), make_user("fresh")
    inventory_grant(user_id=keeper.pk, item_id=shop_item().pk, quantity=1, reason="test")
    for who in (keeper, breaker):
        active_at(who, at(D1))
    active_at(fresh, at(D1 + timedelta(days=1)))
    # June 2nd missed by two of them: the freeze keeps one streak, the other breaks; June 2nd's player is fine.
    assert "3 streaks checked, 2 settled (1 broken, 1 kept by freezes)" in jobs.run_daily(now=at(D1 + timedelta(days=2)))
    assert (streak(keeper).current, streak(breaker).current, streak(fresh).current) == (1, 0, 1)
    assert streak_freezes_held(user_id=keeper.pk) == 0
