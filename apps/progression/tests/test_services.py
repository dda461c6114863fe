import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.services import user_register
from apps.core.errors import InsufficientFunds
from apps.progression.serializers import RewardSummarySerializer
from apps.progression.services import ProgressEvent, UserProgressService, progress_grant
from apps.wallet.models import LedgerEntry, Wallet

from .factories import assert_balances_match_ledger, balances, complete_task, reopen_task

pytestmark = pytest.mark.django_db


def level_up_entries(user):
    return list(LedgerEntry.objects.filter(user=user, reason="level_up").order_by("id").values_list("ref", "amount"))


def test_a_multi_level_jump_pays_ten_times_each_level_crossed(user):
    summary = progress_grant(user=user, xp=700, reason="gift")  # level 1 -> 5
    assert (summary.level_before, summary.level_after) == (1, 5)
    assert level_up_entries(user) == [("level:2", 20), ("level:3", 30), ("level:4", 40), ("level:5", 50)]
    assert summary.coins == 140 and summary.xp == 700
    assert balances(user.pk) == {"xp": 700, "coins": 140, "crystals": 0}
    assert summary.as_dict()["level"] == {"before": 1, "after": 5, "leveled_up": True}
    assert_balances_match_ledger(user.pk)


def test_each_level_pays_once_in_a_lifetime(user):
    progress_grant(user=user, xp=700, reason="gift")
    dropped = progress_grant(user=user, xp=-650, reason="correction")
    assert (dropped.level_before, dropped.level_after, dropped.coins) == (5, 1, 0)
    regained = progress_grant(user=user, xp=650, reason="gift")
    assert (regained.level_after, regained.coins) == (5, 0)
    assert len(level_up_entries(user)) == 4
    further = progress_grant(user=user, xp=2700 - 700, reason="gift")  # level 10
    assert further.coins == 60 + 70 + 80 + 90 + 100
    assert [ref for ref, _ in level_up_entries(user)] == [f"level:{n}" for n in range(2, 11)]
    assert_balances_match_ledger(user.pk)


def test_a_reopen_below_a_level_keeps_the_level_up_coins(user):
    first = complete_task(user, xp=100, coins=0)  # exactly level 2
    assert first.level_after == 2 and first.coins == 20
    back = reopen_task(user, first)
    assert (back.xp, back.coins, back.level_after) == (-100, 0, 1)
    again = complete_task(user, xp=100, coins=0)
    assert again.level_after == 2 and again.coins == 0
    assert_balances_match_ledger(user.pk)


def test_a_debit_beyond_the_balance_changes_nothing(user):
    progress_grant(user=user, coins=30, crystals=1, reason="gift")
    before_entries = LedgerEntry.objects.count()
    with pytest.raises(InsufficientFunds):
        progress_grant(user=user, coins=-10, crystals=-2, reason="debit")
    assert balances(user.pk) == {"xp": 0, "coins": 30, "crystals": 1}
    assert LedgerEntry.objects.count() == before_entries


def test_the_daily_cap_zeroes_the_own_reward_past_the_fiftieth_completion(user):
    for _ in range(50):
        assert not complete_task(user, xp=1, coins=1).capped
    capped = complete_task(user, xp=1, coins=1)
    assert capped.capped and capped.own_xp == 0 and capped.own_coins == 0
    assert capped.as_dict()["capped"] is True


def test_the_summary_has_the_contract_shape(user):
    data = complete_task(user).as_dict()
    assert set(data) == {"xp", "coins", "crystals", "multipliers", "level", "streak", "achievements", "items", "capped"}
    assert data["streak"] == {"current": 1, "extended": True, "milestone": None}
    assert RewardSummarySerializer(data).data == data


def test_a_non_activity_event_reports_the_streak_as_seen_today(user):
    with time_machine.travel(datetime(2024, 3, 1, 12, tzinfo=UTC), tick=False):
        complete_task(user)
    with time_machine.travel(datetime(2024, 3, 2, 12, tzinfo=UTC), tick=False):
        assert progress_grant(user=user, coins=1, reason="gift").streak_current == 1
    with time_machine.travel(datetime(2024, 3, 4, 12, tzinfo=UTC), tick=False):
        assert progress_grant(user=user, coins=1, reason="gift").streak_current == 0  # a day was missed


def test_an_event_granting_items_reports_the_streak_as_seen_today(user):
    # The streak is then read by the grant's own statement (PostgreSQL), not the counters'.
    from apps.shop.tests.factories import BoostFactory

    boost = BoostFactory()
    gift = ProgressEvent(reason="gift", items=[(boost, 1)], stats={"items_bought": 1})
    with time_machine.travel(datetime(2024, 3, 1, 12, tzinfo=UTC), tick=False):
        complete_task(user)
        complete_task(user)
    with time_machine.travel(datetime(2024, 3, 2, 12, tzinfo=UTC), tick=False):
        complete_task(user)
        assert UserProgressService(user).apply(gift).streak_current == 2
    with time_machine.travel(datetime(2024, 3, 4, 12, tzinfo=UTC), tick=False):
        summary = UserProgressService(user).apply(gift)
    assert summary.streak_current == 0  # a day was missed
    assert summary.items == [{"item_id": boost.pk, "name": boost.name, "quantity": 1}]


# -- the ledger invariant under any sequence of operations ------------------------------------------

operation = st.one_of(
    st.tuples(st.just("grant"), st.sampled_from(["xp", "coins", "crystals"]), st.integers(-300, 800)),
    st.tuples(st.just("task"), st.integers(0, 60), st.integers(0, 20)),
    st.tuples(st.just("reopen"), st.integers(0, 20)),
    st.tuples(st.just("spend"), st.integers(1, 200)),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=12))
def test_every_balance_equals_its_ledger_sum_and_never_goes_negative(db, operations):
    from apps.achievements.models import Achievement

    # A catalog that chains (XP rewards cause level-ups, which unlock level achievements).
    Achievement.objects.get_or_create(code="prop-first", defaults={"title": "1", "trigger": "tasks_completed", "threshold": 1, "reward_xp": 300, "reward_coins": 5})
    Achievement.objects.get_or_create(code="prop-level3", defaults={"title": "L3", "trigger": "level", "threshold": 3, "reward_coins": 25, "reward_crystals": 1})
    Achievement.objects.get_or_create(code="prop-rich", defaults={"title": "$", "trigger": "coins_earned", "threshold": 200, "reward_xp": 50})
    user = user_register(username=f"p{uuid.uuid4().hex[:12]}", email=f"{uuid.uuid4().hex}@example.com", password="s3cret-Passw0rd!")
    completions = []
    for op in operations:
        before = balances(user.pk)
        entries = LedgerEntry.objects.filter(user=user).count()
        try:
            if op[0] == "grant":
                progress_grant(user=user, reason="prop", **{op[1]: op[2]})
            elif op[0] == "task":
                completions.append(complete_task(user, xp=op[1], coins=op[2]))
            elif op[0] == "reopen" and completions:
                reopen_task(user, completions.pop(op[1] % len(completions)))
            elif op[0] == "spend":
                UserProgressService(user).apply(ProgressEvent(reason="purchase", coins=-op[1], stats={"items_bought": 1}))
        except InsufficientFunds:
            assert balances(user.pk) == before
            assert LedgerEntry.objects.filter(user=user).count() == entries
        assert_balances_match_ledger(user.pk)
    assert Wallet.objects.get(user=user).max_level_rewarded >= Wallet.objects.get(user=user).level


def test_a_transfer_moves_coins_in_the_ledger_but_is_neither_earned_nor_spent(user):
    from django.db import transaction

    from apps.stats.models import DailyActivity, StatCounter

    progress_grant(user=user, coins=100, reason="gift")
    before_stats = dict(StatCounter.objects.filter(user=user).values_list("key", "value"))
    before_daily = list(DailyActivity.objects.filter(user=user).values_list("coins_earned", flat=True))
    for amount in (-60, 25):
        with transaction.atomic():
            UserProgressService(user).apply(ProgressEvent(reason="trade", ref="trade:1", coins=amount, transfer=True))
    with pytest.raises(InsufficientFunds), transaction.atomic():
        UserProgressService(user).apply(ProgressEvent(reason="trade", ref="trade:2", coins=-66, transfer=True))

    assert balances(user.pk)["coins"] == 65
    assert list(LedgerEntry.objects.filter(user=user, reason="trade").values_list("amount", flat=True).order_by("id")) == [-60, 25]
    assert dict(StatCounter.objects.filter(user=user).values_list("key", "value")) == before_stats
    assert list(DailyActivity.objects.filter(user=user).values_list("coins_earned", flat=True)) == before_daily
    assert_balances_match_ledger(user.pk)
