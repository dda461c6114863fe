"""Trade test helpers: friendships and blocks written directly (the friends API is another
app's), items granted through the inventory service, and the checks every test repeats."""
from django.db.models import Sum

from apps.friends.models import Block, Friendship
from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import inventory_grant
from apps.progression.tests.factories import assert_balances_match_ledger
from apps.shop.tests.factories import ItemFactory, fund  # noqa: F401 - re-exported for the tests
from apps.trades.models import Trade
from apps.trades.services import LineInput, trade_create
from apps.wallet.models import Wallet


def befriend(a, b) -> None:
    Friendship.objects.bulk_create([Friendship(user=a, friend=b), Friendship(user=b, friend=a)])


def block(blocker, blocked) -> None:
    Friendship.objects.filter(user__in=[blocker, blocked], friend__in=[blocker, blocked]).delete()
    Block.objects.create(blocker=blocker, blocked=blocked)


def give(user, item=None, quantity: int = 1, **item_kwargs) -> InventoryItem:
    """`quantity` of `item` (a new avatar when None) in the user's inventory; the row."""
    item = item or ItemFactory(**item_kwargs)
    row = inventory_grant(user_id=user.pk, item_id=item.pk, quantity=quantity, reason="test_grant")
    return InventoryItem.objects.select_related("item").get(pk=row.pk)


def make_trade(requester, recipient, *, offered_coins=0, offered=(), requested_coins=0, requested=(), **kwargs) -> Trade:
    """`offered`/`requested`: inventory rows (quantity 1) or (row, quantity) pairs."""

    def lines(rows):
        return [LineInput(r[0].pk, r[1]) if isinstance(r, tuple) else LineInput(r.pk, 1) for r in rows]

    return trade_create(
        user=requester,
        recipient_id=recipient.pk,
        offered_coins=offered_coins,
        offered_items=lines(offered),
        requested_coins=requested_coins,
        requested_items=lines(requested),
        **kwargs,
    )


def coins(user) -> int:
    return Wallet.objects.get(user=user).coins


def row(row_or_pk) -> InventoryItem:
    return InventoryItem.objects.get(pk=getattr(row_or_pk, "pk", row_or_pk))


def held(user, item) -> int:
    found = InventoryItem.objects.filter(user=user, item=item).first()
    return found.quantity if found else 0


def assert_consistent(*users) -> None:
    """Every balance equals its ledger; every inventory row equals its item ledger; the
    coins held in escrow are those of the pending trades, and locked items are exactly
    what pending trades offer."""
    from apps.trades.models import TradeItem

    for user in users:
        assert_balances_match_ledger(user.pk)
        for inv in InventoryItem.objects.filter(user=user):
            total = InventoryLedgerEntry.objects.filter(user=user, item_id=inv.item_id).aggregate(t=Sum("amount"))["t"] or 0
            assert inv.quantity == total, (inv, total)
            pending = TradeItem.objects.filter(
                inventory_item=inv, side="offered", trade__status="pending"
            ).aggregate(t=Sum("quantity"))["t"] or 0
            assert inv.locked_quantity == pending, (inv, pending)
    for trade in Trade.objects.all():
        assert trade.escrow_coins == (trade.offered_coins if trade.status == "pending" else 0), trade
