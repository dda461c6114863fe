"""Escrow on inventory rows (trades): lock, unlock and transfer between users."""
import pytest
from django.db.models import Sum

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import (
    NotEnoughItems,
    inventory_grant,
    inventory_lock,
    inventory_take,
    inventory_transfer,
    inventory_unlock,
)
from apps.shop.tests.factories import BoostFactory

pytestmark = pytest.mark.django_db


def ledger_total(user, item) -> int:
    return InventoryLedgerEntry.objects.filter(user=user, item=item).aggregate(t=Sum("amount"))["t"] or 0


def test_locked_quantity_cannot_be_taken_and_unlocks(make_user):
    owner = make_user("owner")
    boost = BoostFactory()
    row = inventory_grant(user_id=owner.pk, item_id=boost.pk, quantity=3, reason="test")
    inventory_lock(row=row, quantity=2)
    with pytest.raises(NotEnoughItems):
        inventory_lock(row=row, quantity=2)
    with pytest.raises(NotEnoughItems):
        inventory_take(row=row, quantity=2, reason="spend")
    inventory_take(row=row, quantity=1, reason="spend")
    with pytest.raises(ValueError):
        inventory_unlock(row=row, quantity=3)
    inventory_unlock(row=row, quantity=2)
    fresh = InventoryItem.objects.get(pk=row.pk)
    assert (fresh.quantity, fresh.locked_quantity) == (2, 0)
    assert ledger_total(owner, boost) == 2


def test_transfer_from_escrow_moves_the_held_quantity_with_a_ledger_row_on_each_side(make_user):
    giver, taker = make_user("giver"), make_user("taker")
    boost = BoostFactory()
    row = inventory_grant(user_id=giver.pk, item_id=boost.pk, quantity=3, reason="test")
    inventory_lock(row=row, quantity=2)
    received = inventory_transfer(row=row, to_user_id=taker.pk, quantity=2, reason="trade", ref="trade:1", from_escrow=True)
    assert (received.user_id, received.quantity) == (taker.pk, 2)
    fresh = InventoryItem.objects.get(pk=row.pk)
    assert (fresh.quantity, fresh.locked_quantity) == (1, 0)
    assert ledger_total(giver, boost) == 1 and ledger_total(taker, boost) == 2
    assert InventoryLedgerEntry.objects.filter(ref="trade:1").count() == 2
