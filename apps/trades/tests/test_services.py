"""The trade services: escrow, the swap, each ending returning escrow once, and the
value rules (transfers are neither earned nor spent)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import InsufficientFunds, NotFound
from apps.friends.signals import user_blocked
from apps.inventory.models import InventoryLedgerEntry
from apps.inventory.services import NotEnoughItems
from apps.notifications.models import Notification
from apps.shop.exceptions import AlreadyOwned, ItemLocked, LimitReached
from apps.shop.services import inventory_equip
from apps.shop.tests.factories import BoostFactory, FreezeFactory
from apps.stats.models import StatCounter
from apps.trades.exceptions import (
    ItemEquipped,
    ItemNotOwned,
    NotFriends,
    NotTradeRecipient,
    TradeEmpty,
    TradeNotPending,
    TradeWithSelf,
)
from apps.trades.models import Trade
from apps.trades.services import (
    trade_accept,
    trade_admin_cancel,
    trade_cancel,
    trade_expire,
    trade_reject,
    trades_cancel_for_user,
    trades_expire_due,
)
from apps.wallet.models import LedgerEntry

from .factories import ItemFactory, assert_consistent, befriend, block, coins, fund, give, held, make_trade, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_user):
    a, b = make_user("ann"), make_user("ben")
    befriend(a, b)
    fund(a, coins=500)
    fund(b, coins=300)
    return a, b


def stat(user, key) -> int:
    found = StatCounter.objects.filter(user=user, key=key).first()
    return found.value if found else 0


def test_create_puts_the_offered_coins_and_items_in_escrow(pair, django_capture_on_commit_callbacks):
    a, b = pair
    sword, shield = give(a, quantity=1), give(b)
    with django_capture_on_commit_callbacks(execute=True):
        trade = make_trade(a, b, offered_coins=120, offered=[sword], requested=[shield])
    assert trade.status == "pending" and trade.escrow_coins == 120
    assert trade.expires_at - trade.created_at == timedelta(hours=72)
    assert coins(a) == 380
    entry = LedgerEntry.objects.filter(user=a, ref=f"trade:{trade.pk}").get()
    assert (entry.amount, entry.reason) == (-120, "trade_escrow")
    assert row(sword).locked_quantity == 1 and row(sword).quantity == 1
    assert row(shield).locked_quantity == 0  # the requested side is not held
    # Escrowed coins are not "spent"
    assert stat(a, "coins_spent") == 0
    assert Notification.objects.filter(user=b, kind="trade_received").count() == 1
    assert_consistent(a, b)


def test_escrowed_items_cannot_be_equipped_taken_or_offered_again(pair, make_user):
    a, b = pair
    c = make_user("cid")
    befriend(a, c)
    boost = give(a, BoostFactory(), quantity=2)
    make_trade(a, b, offered=[(boost, 2)], requested_coins=10)
    with pytest.raises(ItemLocked):
        make_trade(a, c, offered=[boost], requested_coins=10)
    avatar = give(a)
    make_trade(a, b, offered=[avatar], requested_coins=10)
    with pytest.raises(ItemLocked):
        inventory_equip(user=a, inventory_item_id=avatar.pk)
    assert_consistent(a, b, c)


def test_create_refusals(pair, make_user):
    a, b = pair
    stranger = make_user("zed")
    mine, theirs = give(a), give(b)
    equipped = give(a)
    inventory_equip(user=a, inventory_item_id=equipped.pk)
    with pytest.raises(TradeWithSelf):
        make_trade(a, a, offered_coins=1, requested_coins=1)
    with pytest.raises(TradeEmpty):
        make_trade(a, b, offered_coins=10)
    with pytest.raises(TradeEmpty):
        make_trade(a, b, requested=[theirs])
    with pytest.raises(NotFriends):
        make_trade(a, stranger, offered_coins=1, requested_coins=1)
    with pytest.raises(ItemNotOwned):
        make_trade(a, b, offered=[theirs], requested_coins=1)  # not mine
    with pytest.raises(ItemNotOwned):
        make_trade(a, b, offered=[mine], requested=[mine])  # not theirs
    with pytest.raises(ItemEquipped):
        make_trade(a, b, offered=[equipped], requested_coins=1)
    with pytest.raises(NotEnoughItems):
        make_trade(a, b, offered=[(mine, 2)], requested_coins=1)
    with pytest.raises(InsufficientFunds):
        make_trade(a, b, offered_coins=501, requested_coins=1)
    block(b, a)
    with pytest.raises(NotFriends):
        make_trade(a, b, offered_coins=1, requested_coins=1)
    assert not Trade.objects.exists()
    assert coins(a) == 500
    assert_consistent(a, b)


def test_a_cosmetic_the_receiver_already_owns_is_409_already_owned(pair):
    a, b = pair
    hat = ItemFactory()
    mine = give(a, hat)
    give(b, hat)
    with pytest.raises(AlreadyOwned):
        make_trade(a, b, offered=[mine], requested_coins=1)


def test_accept_swaps_everything_with_ledger_rows_on_both_sides(pair, django_capture_on_commit_callbacks):
    a, b = pair
    freeze = FreezeFactory()
    sword, shield = give(a), give(b)
    freezes = give(b, freeze, quantity=2)
    trade = make_trade(a, b, offered_coins=100, offered=[sword], requested_coins=40, requested=[shield, (freezes, 1)])

    with django_capture_on_commit_callbacks(execute=True):
        trade, _ = trade_accept(user=b, trade_id=trade.pk)

    assert trade.status == "accepted" and trade.resolved_at is not None and trade.escrow_coins == 0
    assert coins(a) == 500 - 100 + 40 and coins(b) == 300 + 100 - 40
    assert held(b, sword.item) == 1 and held(a, sword.item) == 0 and row(sword).locked_quantity == 0
    assert held(a, shield.item) == 1 and held(b, shield.item) == 0
    assert held(a, freeze) == 1 and held(b, freeze) == 1
    ref = f"trade:{trade.pk}"
    assert sorted(LedgerEntry.objects.filter(ref=ref).values_list("user_id", "amount")) == sorted(
        [(a.pk, -100), (a.pk, 40), (b.pk, 60)]
    )
    assert InventoryLedgerEntry.objects.filter(ref=ref).count() == 6  # 3 lines, out and in
    # Coins that change hands are neither earned nor spent; both count a completed trade.
    for user in (a, b):
        assert stat(user, "trades_completed") == 1
        assert stat(user, "coins_spent") == 0
    assert Notification.objects.filter(user=a, kind="trade_accepted").count() == 1
    assert_consistent(a, b)


def test_trade_coins_do_not_count_as_earned(pair):
    a, b = pair
    earned_before = stat(b, "coins_earned")
    trade = make_trade(a, b, offered_coins=100, requested_coins=1)
    trade_accept(user=b, trade_id=trade.pk)
    assert stat(b, "coins_earned") == earned_before
    assert stat(a, "coins_earned") == 500  # the test's funding only


def test_first_trade_unlocks_the_trade_achievement(pair):
    from django.core.management import call_command

    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    a, b = pair
    trade = make_trade(a, b, offered_coins=10, requested_coins=5)
    trade_accept(user=b, trade_id=trade.pk)
    from apps.achievements.models import UserAchievement

    for user in (a, b):
        assert UserAchievement.objects.filter(user=user, achievement__code="first-trade").exists()
    assert_consistent(a, b)


def test_accept_rechecks_the_requested_side(pair):
    a, b = pair
    shield = give(b)
    trade = make_trade(a, b, offered_coins=10, requested=[shield])
    inventory_equip(user=b, inventory_item_id=shield.pk)
    with pytest.raises(ItemEquipped):
        trade_accept(user=b, trade_id=trade.pk)

    t2 = make_trade(a, b, offered_coins=10, requested_coins=301)
    with pytest.raises(InsufficientFunds):
        trade_accept(user=b, trade_id=t2.pk)
    assert Trade.objects.get(pk=t2.pk).status == "pending"
    assert_consistent(a, b)


def test_accept_of_a_requested_item_now_in_another_escrow_is_item_locked(pair, make_user):
    a, b = pair
    c = make_user("cid")
    befriend(b, c)
    boost = give(b, BoostFactory())
    trade = make_trade(a, b, offered_coins=10, requested=[boost])
    make_trade(b, c, offered=[boost], requested_coins=1)
    with pytest.raises(ItemLocked):
        trade_accept(user=b, trade_id=trade.pk)


def test_accept_when_the_receiver_got_the_cosmetic_meanwhile_is_already_owned(pair):
    a, b = pair
    hat = ItemFactory()
    mine = give(a, hat)
    trade = make_trade(a, b, offered=[mine], requested_coins=5)
    give(b, hat)
    with pytest.raises(AlreadyOwned):
        trade_accept(user=b, trade_id=trade.pk)


def test_offering_freezes_past_the_receivers_limit_is_limit_reached(pair):
    a, b = pair
    freeze = FreezeFactory()
    mine = give(a, freeze, quantity=2)
    give(b, freeze, quantity=1)
    with pytest.raises(LimitReached):
        make_trade(a, b, offered=[(mine, 2)], requested_coins=1)
    assert not Trade.objects.exists() and coins(a) == 500


def test_only_the_right_party_may_act(pair, make_user):
    a, b = pair
    c = make_user("cid")
    trade = make_trade(a, b, offered_coins=10, requested_coins=5)
    with pytest.raises(NotTradeRecipient):
        trade_accept(user=a, trade_id=trade.pk)
    with pytest.raises(NotTradeRecipient):
        trade_reject(user=a, trade_id=trade.pk)
    with pytest.raises(NotTradeRecipient):
        trade_cancel(user=b, trade_id=trade.pk)
    for act in (trade_accept, trade_reject, trade_cancel):
        with pytest.raises(NotFound):
            act(user=c, trade_id=trade.pk)


@pytest.mark.parametrize("end", ["reject", "cancel", "expire", "admin"])
def test_every_ending_returns_the_escrow_exactly_once(pair, end):
    a, b = pair
    boost = give(a, BoostFactory(), quantity=3)
    trade = make_trade(a, b, offered_coins=200, offered=[(boost, 2)], requested_coins=5)
    assert coins(a) == 300 and row(boost).locked_quantity == 2
    later = timezone.now() + timedelta(hours=73)

    def run():
        if end == "reject":
            return trade_reject(user=b, trade_id=trade.pk)
        if end == "cancel":
            return trade_cancel(user=a, trade_id=trade.pk)
        if end == "expire":
            return trade_expire(trade_id=trade.pk, now=later)
        return trade_admin_cancel(trade_id=trade.pk)

    run()
    status = {"reject": "rejected", "cancel": "cancelled", "expire": "expired", "admin": "cancelled"}[end]
    assert Trade.objects.get(pk=trade.pk).status == status
    assert coins(a) == 500 and row(boost).locked_quantity == 0 and row(boost).quantity == 3
    # A second attempt of any kind returns nothing more.
    for again in (
        lambda: trade_reject(user=b, trade_id=trade.pk),
        lambda: trade_cancel(user=a, trade_id=trade.pk),
        lambda: trade_accept(user=b, trade_id=trade.pk),
    ):
        with pytest.raises(TradeNotPending):
            again()
    assert trade_expire(trade_id=trade.pk, now=later) is False
    assert trade_admin_cancel(trade_id=trade.pk) is False
    assert coins(a) == 500
    assert LedgerEntry.objects.filter(user=a, ref=f"trade:{trade.pk}").count() == 2
    assert_consistent(a, b)


def test_expiry_job_expires_only_due_trades_and_tells_both(pair, django_capture_on_commit_callbacks):
    a, b = pair
    now = timezone.now()
    old = make_trade(a, b, offered_coins=50, requested_coins=1, now=now - timedelta(hours=73))
    fresh = make_trade(a, b, offered_coins=50, requested_coins=1, now=now - timedelta(hours=71))
    with django_capture_on_commit_callbacks(execute=True):
        assert trades_expire_due(now=now) == 1
    assert trades_expire_due(now=now) == 0
    assert Trade.objects.get(pk=old.pk).status == "expired"
    assert Trade.objects.get(pk=fresh.pk).status == "pending"
    assert coins(a) == 450
    assert Notification.objects.filter(kind="trade_expired").count() == 2
    assert_consistent(a, b)


def test_accept_of_a_due_trade_is_not_pending(pair):
    a, b = pair
    trade = make_trade(a, b, offered_coins=50, requested_coins=1, now=timezone.now() - timedelta(hours=72, seconds=1))
    with pytest.raises(TradeNotPending):
        trade_accept(user=b, trade_id=trade.pk)


def test_a_block_cancels_the_pending_trades_between_the_two_only(pair, make_user):
    a, b = pair
    c = make_user("cid")
    befriend(a, c)
    ab = make_trade(a, b, offered_coins=100, requested_coins=1)
    ba = make_trade(b, a, offered_coins=30, requested_coins=1)
    ac = make_trade(a, c, offered_coins=10, requested_coins=1)
    user_blocked.send(sender=None, blocker_id=b.pk, blocked_id=a.pk)
    assert Trade.objects.get(pk=ab.pk).status == "cancelled"
    assert Trade.objects.get(pk=ba.pk).status == "cancelled"
    assert Trade.objects.get(pk=ac.pk).status == "pending"
    assert coins(a) == 490 and coins(b) == 300
    assert_consistent(a, b, c)


def test_account_deletion_cancels_pending_trades_and_returns_escrow(pair, make_user, django_capture_on_commit_callbacks):
    a, b = pair
    c = make_user("cid")
    befriend(b, c)
    fund(c, coins=100)
    boost = give(b, BoostFactory())
    to_a = make_trade(b, a, offered_coins=70, offered=[boost], requested_coins=1)
    from_c = make_trade(c, b, offered_coins=40, requested_coins=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert trades_cancel_for_user(user_id=b.pk) == 2
    assert coins(c) == 100 and coins(b) == 300 and row(boost).locked_quantity == 0
    assert {Trade.objects.get(pk=t.pk).status for t in (to_a, from_c)} == {"cancelled"}
    # Only the parties who stay are told.
    assert not Notification.objects.filter(user=b, kind="trade_cancelled").exists()
    assert Notification.objects.filter(user__in=[a, c], kind="trade_cancelled").count() == 2
    assert_consistent(a, b, c)


def test_deleting_a_user_any_other_way_returns_the_escrow_first(pair):
    a, b = pair
    boost = give(a, BoostFactory())
    make_trade(a, b, offered_coins=80, offered=[boost], requested_coins=1)
    b.delete()  # as the admin's delete does
    assert not Trade.objects.exists()
    assert coins(a) == 500 and row(boost).locked_quantity == 0
    assert_consistent(a)


def test_the_same_stackable_item_both_ways_keeps_every_quantity_right(pair):
    a, b = pair
    boost = BoostFactory()
    mine, theirs = give(a, boost, quantity=3), give(b, boost, quantity=5)
    trade = make_trade(a, b, offered=[(mine, 2)], requested=[(theirs, 4)])
    trade_accept(user=b, trade_id=trade.pk)
    assert (row(mine).quantity, row(theirs).quantity) == (3 - 2 + 4, 5 + 2 - 4)
    assert row(mine).locked_quantity == 0
    assert_consistent(a, b)


def test_accept_writes_each_ledger_row_with_its_running_quantity(pair):
    # The same boost both ways, a receiver with no row yet and one with a row: each item
    # ledger row carries the quantity its row had right after that move, in the order the
    # lines move (offered, then requested).
    a, b = pair
    boost, freeze = BoostFactory(), FreezeFactory()
    mine, theirs = give(a, boost, quantity=3), give(b, boost, quantity=5)
    sword, freezes = give(a), give(b, freeze, quantity=2)
    trade = make_trade(a, b, offered=[(mine, 2), sword], requested=[(theirs, 4), (freezes, 1)])

    trade_accept(user=b, trade_id=trade.pk)

    moves = list(
        InventoryLedgerEntry.objects.filter(ref=trade.ref)
        .order_by("id")
        .values_list("user_id", "item_id", "amount", "quantity_after")
    )
    assert sorted(moves[:4]) == sorted([
        (a.pk, boost.pk, -2, 1), (b.pk, boost.pk, 2, 7),
        (a.pk, sword.item_id, -1, 0), (b.pk, sword.item_id, 1, 1),
    ])
    assert sorted(moves[4:]) == sorted([
        (b.pk, boost.pk, -4, 3), (a.pk, boost.pk, 4, 5),
        (b.pk, freeze.pk, -1, 1), (a.pk, freeze.pk, 1, 1),
    ])
    assert held(a, sword.item) == 0 and held(b, sword.item) == 1 and held(a, freeze) == 1
    assert_consistent(a, b)


@pytest.mark.parametrize("ending", ["accept", "cancel"])
def test_a_trade_costs_the_same_statements_with_more_item_lines(pair, ending, django_assert_max_num_queries):
    a, b = pair

    def trade_of(lines: int):
        offered = [give(a, BoostFactory(), quantity=2) for _ in range(lines)]
        requested = [give(b, BoostFactory(), quantity=2) for _ in range(lines)]
        return lambda: make_trade(a, b, offered=offered, requested=requested)

    act = {
        "accept": lambda trade: trade_accept(user=b, trade_id=trade.pk),
        "cancel": lambda trade: trade_cancel(user=a, trade_id=trade.pk),
    }[ending]
    small, large = trade_of(1), trade_of(10)
    with django_assert_max_num_queries(60) as one_line:
        trade = small()
    with django_assert_max_num_queries(len(one_line.captured_queries)):
        big = large()
    with django_assert_max_num_queries(60) as one_line:
        act(trade)
    with django_assert_max_num_queries(len(one_line.captured_queries)):
        act(big)
    assert_consistent(a, b)
