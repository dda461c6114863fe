"""Escrow on inventory rows (trades): hold, release and move between users."""
import pytest
from django.db.models import Sum

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import (
    Move,
    NotEnoughItems,
    inventory_grant,
    inventory_hold,
    inventory_move,
    inventory_release,
    inventory_take,
)
from apps.shop.tests.factories import BoostFactory

pytestmark = pytest.mark.django_db


def ledger_total(user, item) -> int:
    return InventoryLedgerEntry.objects.filter(user=user, item=item).aggregate(t=Sum("amount"))["t"] or 0


def test_locked_quantity_cannot_be_taken_and_unlocks(make_user):
    owner = make_user("owner")
    boost = BoostFactory()
    row = inventory_grant(user_id=owner.pk, item_id=boost.pk, quantity=3, reason="test")
    inventory_hold(holds=[(row, 2)])
    with pytest.raises(NotEnoughItems):
        inventory_hold(holds=[(row, 2)])
    with pytest.raises(NotEnoughItems):
        inventory_take(row=row, quantity=2, reason="spend")
    inventory_take(row=row, quantity=1, reason="spend")
    with pytest.raises(ValueError):
        inventory_release(releases=[(row, 3)])
    inventory_release(releases=[(row, 1), (row, 1)])  # two trades' holds on one row
    fresh = InventoryItem.objects.get(pk=row.pk)
    assert (fresh.quantity, fresh.locked_quantity) == (2, 0)
    assert ledger_total(owner, boost) == 2


def test_transfer_from_escrow_moves_the_held_quantity_with_a_ledger_row_on_each_side(make_user):
    giver, taker = make_user("giver"), make_user("taker")
    boost = BoostFactory()
    row = inventory_grant(user_id=giver.pk, item_id=boost.pk, quantity=3, reason="test")
    inventory_hold(holds=[(row, 2)])
    inventory_move(moves=[Move(row, taker.pk, 2, from_escrow=True)], held=[row], reason="trade", ref="trade:1")
    received = InventoryItem.objects.get(user=taker, item=boost)
    assert (received.quantity, received.locked_quantity) == (2, 0)
    fresh = InventoryItem.objects.get(pk=row.pk)
    assert (fresh.quantity, fresh.locked_quantity) == (1, 0)
    assert ledger_total(giver, boost) == 1 and ledger_total(taker, boost) == 2
    assert InventoryLedgerEntry.objects.filter(ref="trade:1").count() == 2
