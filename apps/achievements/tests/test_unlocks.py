import pytest
from django.db import transaction

from apps.achievements.models import UserAchievement
from apps.inventory.models import InventoryItem
from apps.progression.services import progress_grant
from apps.progression.tests.factories import assert_balances_match_ledger, balances, complete_task, reopen_task
from apps.wallet.models import LedgerEntry

from .factories import AchievementFactory, shop_item

pytestmark = pytest.mark.django_db


def test_an_achievement_unlocks_at_its_threshold_exactly_once(user):
    AchievementFactory(code="three", title="Three", threshold=3, reward_xp=30, reward_coins=20, reward_crystals=2)
    assert complete_task(user).achievements == []
    assert complete_task(user).achievements == []
    third = complete_task(user, xp=10, coins=3)
    assert third.achievements == [
        {"code": "three", "title": "Three", "reward_xp": 30, "reward_coins": 20, "reward_crystals": 2}
    ]
    assert (third.xp, third.coins, third.crystals) == (10 + 30, 3 + 20, 2)
    fourth = complete_task(user)
    assert fourth.achievements == []
    # The counter drops below the threshold (4 -> 2) and reaches it again: no second unlock.
    assert reopen_task(user, fourth).achievements == [] and reopen_task(user, third).achievements == []
    assert complete_task(user).achievements == [] and complete_task(user).achievements == []
    assert UserAchievement.objects.filter(user=user).count() == 1
    rewards = LedgerEntry.objects.filter(user=user, reason="achievement", ref="achievement:three")
    assert sorted(rewards.values_list("currency", "amount")) == [("coins", 20), ("crystals", 2), ("xp", 30)]
    assert_balances_match_ledger(user.pk)


def test_the_unlock_and_its_rewards_commit_or_roll_back_together(user):
    AchievementFactory(code="first", threshold=1, reward_coins=100)
    with pytest.raises(RuntimeError), transaction.atomic():
        summary = complete_task(user, coins=0)
        assert summary.coins == 100 and UserAchievement.objects.filter(user=user).exists()
        raise RuntimeError("the request failed after the service")
    assert not UserAchievement.objects.filter(user=user).exists()
    assert not LedgerEntry.objects.filter(user=user).exists()
    assert complete_task(user, coins=0).coins == 100  # the next real completion unlocks it
    unlock_rows = LedgerEntry.objects.filter(user=user).values_list("created_at", flat=True)
    assert len(set(unlock_rows)) == 1  # one event, one moment: written together


def test_a_chained_unlock_in_one_request(user):
    AchievementFactory(code="first", title="First", trigger="tasks_completed", threshold=1, reward_xp=700)
    AchievementFactory(code="level-5", title="Rising Star", trigger="level", threshold=5, reward_coins=50, reward_crystals=1)
    summary = complete_task(user, xp=10, coins=3)
    assert [a["code"] for a in summary.achievements] == ["first", "level-5"]
    assert (summary.level_before, summary.level_after) == (1, 5)
    level_ups = 20 + 30 + 40 + 50
    assert summary.xp == 710 and summary.coins == 3 + level_ups + 50 and summary.crystals == 1
    assert balances(user.pk) == {"xp": 710, "coins": summary.coins, "crystals": 1}
    assert summary.as_dict()["level"]["leveled_up"] is True
    assert_balances_match_ledger(user.pk)


def test_level_achievements_see_levels_reached_by_grants(user):
    AchievementFactory(code="level-3", trigger="level", threshold=3, reward_coins=7)
    assert [a["code"] for a in progress_grant(user=user, xp=250, reason="gift").achievements] == ["level-3"]


def test_an_achievement_can_grant_items(user):
    freeze = shop_item()
    achievement = AchievementFactory(code="gift", threshold=1)
    achievement.reward_items.create(item=freeze, quantity=2)
    summary = complete_task(user)
    assert summary.items == [{"item_id": freeze.pk, "name": freeze.name, "quantity": 2}]
    assert InventoryItem.objects.get(user=user, item=freeze).quantity == 2


def test_catalog_changes_apply_at_once(user):
    complete_task(user)  # loads (and caches) an empty catalog
    achievement = AchievementFactory(code="late", threshold=2, reward_coins=5)
    assert [a["code"] for a in complete_task(user).achievements] == ["late"]
    achievement.is_active = False
    achievement.save()
    AchievementFactory(code="off", threshold=3, is_active=False)
    assert complete_task(user).achievements == []


def test_inactive_achievements_never_unlock(user):
    AchievementFactory(code="off", threshold=1, is_active=False)
    assert complete_task(user).achievements == []


def test_an_unlock_that_feeds_another_counter_unlocks_both_once(user):
    # The first unlock's XP takes xp_earned over the second's threshold: the second check
    # runs on the counters as the first unlock's rewards left them.
    AchievementFactory(code="first", title="First", trigger="tasks_completed", threshold=1, reward_xp=20)
    AchievementFactory(code="xp-25", title="XP 25", trigger="xp_earned", threshold=25, reward_coins=7)

    summary = complete_task(user, xp=10, coins=3)
    again = complete_task(user, xp=10, coins=3)

    assert [a["code"] for a in summary.achievements] == ["first", "xp-25"]
    assert (summary.xp, summary.coins) == (30, 10)
    assert again.achievements == []
    assert stats_of(user) == {"tasks_completed": 2, "xp_earned": 40, "coins_earned": 13, "longest_streak": 1}
    assert sorted(UserAchievement.objects.filter(user=user).values_list("achievement__code", flat=True)) == [
        "first",
        "xp-25",
    ]
    assert_balances_match_ledger(user.pk)


def stats_of(user) -> dict:
    from apps.stats.models import StatCounter

    return dict(StatCounter.objects.filter(user=user).exclude(value=0).values_list("key", "value"))


@pytest.mark.parametrize("event", ["a-day-counted", "an-item-granted"])
def test_a_level_reached_by_an_event_that_earns_no_xp_of_its_own_unlocks_its_achievement(user, event):
    # The unlock's 700 XP takes the player to level 5, though the event itself earns no XP.
    from apps.progression.services import ProgressEvent, UserProgressService

    AchievementFactory(code="first", title="First", trigger="tasks_completed", threshold=1, reward_xp=700)
    AchievementFactory(code="level-5", title="Rising Star", trigger="level", threshold=5, reward_crystals=1)
    if event == "a-day-counted":
        summary = complete_task(user, xp=0, coins=3)
    else:
        summary = UserProgressService(user).apply(
            ProgressEvent(reason="gift", items=[(shop_item(), 1)], stats={"tasks_completed": 1})
        )

    assert [a["code"] for a in summary.achievements] == ["first", "level-5"]
    assert (summary.level_after, summary.xp, summary.crystals) == (5, 700, 1)
    assert UserAchievement.objects.filter(user=user).count() == 2
    assert_balances_match_ledger(user.pk)
