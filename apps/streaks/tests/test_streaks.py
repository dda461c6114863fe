from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from apps.achievements.tests.factories import shop_item
from apps.inventory.services import inventory_grant, streak_freezes_held
from apps.progression.tests.factories import assert_balances_match_ledger, complete_task
from apps.streaks.models import Streak, StreakMilestoneClaim
from apps.wallet.models import LedgerEntry

pytestmark = pytest.mark.django_db

NOON = 12


def at(day: date, hour: int = NOON, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def active_at(user, when: datetime):
    with time_machine.travel(when, tick=False):
        return complete_task(user)


def streak(user) -> Streak:
    return Streak.objects.get(user=user)


def give_freezes(user, n):
    inventory_grant(user_id=user.pk, item_id=shop_item().pk, quantity=n, reason="test")


D1 = date(2024, 6, 1)


def test_consecutive_days_build_the_streak_and_one_day_counts_once(user):
    assert active_at(user, at(D1)).as_dict()["streak"] == {"current": 1, "extended": True, "milestone": None}
    assert active_at(user, at(D1, 18)).as_dict()["streak"] == {"current": 1, "extended": False, "milestone": None}
    assert active_at(user, at(D1 + timedelta(days=1))).streak_current == 2
    s = streak(user)
    assert (s.current, s.longest, s.last_active_date) == (2, 2, D1 + timedelta(days=1))


def test_a_gap_restarts_the_streak_at_one(user):
    for n in range(3):
        active_at(user, at(D1 + timedelta(days=n)))
    summary = active_at(user, at(D1 + timedelta(days=4)))  # day 4 missed, no freeze
    assert (summary.streak_current, summary.streak_extended) == (1, True)
    s = streak(user)
    assert (s.current, s.longest) == (1, 3)


def test_a_timezone_far_ahead_of_utc(make_user):
    user = make_user(timezone="Pacific/Kiritimati")  # UTC+14
    # 2024-06-01 10:30 UTC is already 2024-06-02 00:30 in Kiritimati.
    active_at(user, datetime(2024, 6, 1, 10, 30, tzinfo=UTC))
    assert streak(user).last_active_date == date(2024, 6, 2)
    # 09:59 UTC next day = 23:59 local on 06-02: the same local day.
    assert active_at(user, datetime(2024, 6, 2, 9, 59, tzinfo=UTC)).streak_extended is False
    # 10:00 UTC = local midnight of 06-03: the next day.
    assert active_at(user, datetime(2024, 6, 2, 10, 0, tzinfo=UTC)).streak_current == 2
    assert streak(user).last_active_date == date(2024, 6, 3)


def test_a_timezone_far_behind_utc(make_user):
    user = make_user(timezone="Pacific/Pago_Pago")  # UTC-11
    active_at(user, datetime(2024, 6, 2, 10, 0, tzinfo=UTC))  # 06-01 23:00 local
    active_at(user, datetime(2024, 6, 2, 11, 0, tzinfo=UTC))  # 06-02 00:00 local
    s = streak(user)
    assert (s.current, s.last_active_date) == (2, date(2024, 6, 2))


def test_a_day_that_starts_at_four_counts_one_thirty_as_the_previous_day(make_user):
    user = make_user(day_start_hour=4)
    active_at(user, at(D1, 10))
    # 01:30 on June 2nd belongs to June 1st: the same local day.
    assert active_at(user, at(D1 + timedelta(days=1), 1, 30)).streak_extended is False
    assert streak(user).last_active_date == D1
    # 04:00 starts June 2nd.
    assert active_at(user, at(D1 + timedelta(days=1), 4, 0)).streak_current == 2
    # 03:59 on June 4th is still June 3rd: no day missed.
    assert active_at(user, at(D1 + timedelta(days=3), 3, 59)).streak_current == 3


def test_a_freeze_saves_one_missed_day(user):
    give_freezes(user, 1)
    active_at(user, at(D1))
    summary = active_at(user, at(D1 + timedelta(days=2)))  # June 2nd missed
    assert summary.streak_current == 2  # the frozen day keeps the streak but does not add to it
    assert streak_freezes_held(user_id=user.pk) == 0
    s = streak(user)
    assert (s.current, s.freezes_used, s.frozen_through) == (2, 1, D1 + timedelta(days=1))


def test_two_missed_days_with_one_freeze_break_the_streak(user):
    give_freezes(user, 1)
    active_at(user, at(D1))
    active_at(user, at(D1 + timedelta(days=1)))
    summary = active_at(user, at(D1 + timedelta(days=4)))  # June 3rd and 4th missed
    assert summary.streak_current == 1
    # The first missed day used the freeze; the second had none left.
    assert streak_freezes_held(user_id=user.pk) == 0
    assert (streak(user).current, streak(user).longest) == (1, 2)


def test_two_freezes_save_two_missed_days(user):
    give_freezes(user, 2)
    active_at(user, at(D1))
    assert active_at(user, at(D1 + timedelta(days=3))).streak_current == 2
    assert streak_freezes_held(user_id=user.pk) == 0


def test_milestones_pay_once_in_a_lifetime(user):
    day = D1
    for _ in range(3):
        summary = active_at(user, at(day))
        day += timedelta(days=1)
    assert summary.streak_milestone == 3
    assert summary.as_dict()["streak"]["milestone"] == 3
    paid = LedgerEntry.objects.filter(user=user, reason="streak_milestone")
    assert sorted(paid.values_list("currency", "amount")) == [("coins", 15), ("xp", 30)]
    day += timedelta(days=3)  # break it
    for _ in range(4):
        summary = active_at(user, at(day))
        assert summary.streak_milestone is None
        day += timedelta(days=1)
    assert streak(user).current == 4
    assert paid.count() == 2 and StreakMilestoneClaim.objects.filter(user=user).count() == 1
    assert_balances_match_ledger(user.pk)


def test_a_seven_day_milestone_pays_its_reward(user):
    for n in range(7):
        summary = active_at(user, at(D1 + timedelta(days=n)))
    assert summary.streak_milestone == 7
    assert sorted(
        LedgerEntry.objects.filter(user=user, ref="streak:7").values_list("currency", "amount")
    ) == [("coins", 50), ("xp", 100)]


def test_longest_streak_statistic_follows_the_streak_and_unlocks_achievements(user):
    from apps.achievements.tests.factories import AchievementFactory
    from apps.stats.selectors import stats_for_user

    AchievementFactory(code="streak-2", trigger="longest_streak", threshold=2, reward_coins=9)
    active_at(user, at(D1))
    summary = active_at(user, at(D1 + timedelta(days=1)))
    assert [a["code"] for a in summary.achievements] == ["streak-2"]
    active_at(user, at(D1 + timedelta(days=5)))
    assert stats_for_user(user=user)["longest_streak"] == 2
