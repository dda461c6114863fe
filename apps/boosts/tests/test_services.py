from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from apps.boosts.models import ActiveBoost, BoostSlot
from apps.boosts.selectors import active_multipliers
from apps.boosts.services import BoostAlreadyActive, ItemNotUsable, boost_end, boost_use
from apps.core.errors import NotFound
from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import NotEnoughItems
from apps.progression.services import ProgressEvent, UserProgressService

from .factories import BoostItemFactory, CosmeticItemFactory, give

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def task_like_reward(user, *, xp=20, coins=6):
    """What a completed medium task hands to the progress engine."""
    event = ProgressEvent(reason="task_completed", ref="task:1", xp=xp, coins=coins, boostable=True)
    return UserProgressService(user).apply(event).as_dict()


def test_xp_boost_doubles_the_next_reward_and_stops_at_expiry(user):
    row = give(user, BoostItemFactory(boost_type="xp", multiplier=Decimal("2"), duration_minutes=30))
    with time_machine.travel(T0, tick=False):
        boost = boost_use(user=user, inventory_item_id=row.pk)
    assert boost.started_at == T0 and boost.expires_at == T0 + timedelta(minutes=30)

    with time_machine.travel(T0 + timedelta(minutes=29, seconds=59), tick=False):
        rewards = task_like_reward(user)
    assert (rewards["xp"], rewards["coins"]) == (40, 6)
    assert rewards["multipliers"] == {"xp": 2.0, "coins": 1.0}

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):  # expires_at itself no longer applies
        rewards = task_like_reward(user)
    assert (rewards["xp"], rewards["coins"]) == (20, 6)
    assert rewards["multipliers"] == {"xp": 1.0, "coins": 1.0}


def test_coins_boost_multiplies_coins_rounded_down(user):
    row = give(user, BoostItemFactory(boost_type="coins", multiplier=Decimal("1.5")))
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=row.pk)
        rewards = task_like_reward(user, xp=10, coins=5)
    assert (rewards["xp"], rewards["coins"]) == (10, 7)  # 7.5 -> 7
    assert rewards["multipliers"] == {"xp": 1.0, "coins": 1.5}


def test_use_takes_one_from_the_inventory_and_writes_the_item_ledger(user):
    item = BoostItemFactory()
    row = give(user, item, quantity=3)
    boost = boost_use(user=user, inventory_item_id=row.pk)

    row.refresh_from_db()
    assert row.quantity == 2
    last = InventoryLedgerEntry.objects.filter(user=user, item=item).order_by("-id").first()
    assert (last.amount, last.quantity_after, last.reason, last.ref) == (-1, 2, "boost_used", f"boost:{boost.pk}")
    total = sum(InventoryLedgerEntry.objects.filter(user=user, item=item).values_list("amount", flat=True))
    assert total == row.quantity
    assert (boost.type, boost.multiplier, boost.item_id) == ("xp", Decimal("2"), item.pk)
    assert BoostSlot.objects.get(user=user, type="xp").active_until == boost.expires_at


def test_second_boost_of_the_same_type_while_active_is_409_and_consumes_nothing(user):
    row = give(user, BoostItemFactory(boost_type="xp"), quantity=2)
    other_xp = give(user, BoostItemFactory(boost_type="xp", multiplier=Decimal("3")))
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=row.pk)
    with time_machine.travel(T0 + timedelta(minutes=29), tick=False):
        with pytest.raises(BoostAlreadyActive) as err:
            boost_use(user=user, inventory_item_id=row.pk)
        with pytest.raises(BoostAlreadyActive):
            boost_use(user=user, inventory_item_id=other_xp.pk)  # another xp item: same slot
    assert err.value.status_code == 409 and err.value.code == "boost_already_active"
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1
    assert InventoryItem.objects.get(pk=other_xp.pk).quantity == 1
    assert ActiveBoost.objects.filter(user=user).count() == 1


def test_a_boost_of_the_other_type_can_run_alongside(user):
    xp_row = give(user, BoostItemFactory(boost_type="xp"))
    coins_row = give(user, BoostItemFactory(boost_type="coins", multiplier=Decimal("3")))
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=xp_row.pk)
        boost_use(user=user, inventory_item_id=coins_row.pk)
        assert active_multipliers(user_id=user.pk) == {"xp": Decimal("2"), "coins": Decimal("3")}
        rewards = task_like_reward(user, xp=10, coins=3)
    assert (rewards["xp"], rewards["coins"]) == (20, 9)


def test_after_expiry_the_same_type_can_be_used_again(user):
    row = give(user, BoostItemFactory(duration_minutes=30), quantity=2)
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=row.pk)
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        second = boost_use(user=user, inventory_item_id=row.pk)
    assert second.started_at == T0 + timedelta(minutes=30)
    assert InventoryItem.objects.get(pk=row.pk).quantity == 0
    assert ActiveBoost.objects.filter(user=user).count() == 2


def test_a_non_boost_item_is_400_not_usable(user):
    row = give(user, CosmeticItemFactory())
    with pytest.raises(ItemNotUsable) as err:
        boost_use(user=user, inventory_item_id=row.pk)
    assert (err.value.status_code, err.value.code) == (400, "not_usable")
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1


def test_someone_elses_row_or_a_missing_row_is_404(user, make_user):
    bob = make_user("bob")
    bobs_row = give(bob, BoostItemFactory())
    with pytest.raises(NotFound):
        boost_use(user=user, inventory_item_id=bobs_row.pk)
    with pytest.raises(NotFound):
        boost_use(user=user, inventory_item_id=bobs_row.pk + 1000)
    assert InventoryItem.objects.get(pk=bobs_row.pk).quantity == 1
    assert not ActiveBoost.objects.exists()


def test_no_boost_left_or_all_held_in_trade_escrow_is_409_insufficient_items(user):
    row = give(user, BoostItemFactory(), quantity=1)
    InventoryItem.objects.filter(pk=row.pk).update(locked_quantity=1)
    with pytest.raises(NotEnoughItems) as err:
        boost_use(user=user, inventory_item_id=row.pk)
    assert (err.value.status_code, err.value.code) == (409, "insufficient_items")

    InventoryItem.objects.filter(pk=row.pk).update(locked_quantity=0)
    boost_use(user=user, inventory_item_id=row.pk)
    with pytest.raises(NotEnoughItems):
        boost_use(user=user, inventory_item_id=row.pk)  # quantity 0 now (checked before the slot)
    assert not BoostSlot.objects.filter(user=user, active_until__isnull=True).exists()


def test_ending_a_boost_early_frees_its_slot(user):
    row = give(user, BoostItemFactory(), quantity=2)
    with time_machine.travel(T0, tick=False):
        boost = boost_use(user=user, inventory_item_id=row.pk)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        boost_end(boost=boost)
        assert active_multipliers(user_id=user.pk)["xp"] == Decimal("1")
        again = boost_use(user=user, inventory_item_id=row.pk)
    boost.refresh_from_db()
    assert boost.expires_at == T0 + timedelta(minutes=5)
    assert again.started_at == T0 + timedelta(minutes=5)


def test_export_lists_the_users_boosts(user):
    from apps.boosts.account import export

    row = give(user, BoostItemFactory())
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=row.pk)
    assert export(user) == {
        "boosts": [
            {
                "type": "xp",
                "multiplier": 2.0,
                "started_at": T0.isoformat(),
                "expires_at": (T0 + timedelta(minutes=30)).isoformat(),
                "item_id": row.item_id,
            }
        ]
    }


@pytest.mark.parametrize("inventory_item_id", [0, -1, 2**63, 10**30])
def test_an_id_outside_the_column_range_is_404_not_a_database_error(user, inventory_item_id):
    with pytest.raises(NotFound):
        boost_use(user=user, inventory_item_id=inventory_item_id)
