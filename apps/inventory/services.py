"""Item holdings: every quantity change goes through here and writes a ledger row.

Lock order (global, see apps/progression/locks.py): wallet -> streak ->
inventory rows (ascending id) -> boost slots. Callers that hold the wallet
lock may call these; these never lock a wallet themselves.
"""
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.core.errors import Conflict
from apps.shop.models import ItemType

from .models import InventoryItem, InventoryLedgerEntry


class NotEnoughItems(Conflict):
    code = "insufficient_items"
    default_detail = "You do not hold enough of this item."


def _lock_row(*, user, item) -> InventoryItem:
    row = InventoryItem.objects.select_for_update().filter(user=user, item=item).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return InventoryItem.objects.create(user=user, item=item, quantity=0)
    except IntegrityError:
        return InventoryItem.objects.select_for_update().get(user=user, item=item)


def inventory_grant(*, user, item, quantity: int, reason: str, ref: str = "") -> InventoryItem:
    """Add `quantity` of `item` to the user's inventory (one ledger row)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    with transaction.atomic():
        row = _lock_row(user=user, item=item)
        row.quantity += quantity  # the row is locked: read-modify-write is safe
        row.save(update_fields=["quantity"])
        InventoryLedgerEntry.objects.create(
            user=user, item=item, amount=quantity, quantity_after=row.quantity, reason=reason, ref=ref
        )
        return row


def inventory_take(*, row: InventoryItem, quantity: int, reason: str, ref: str = "") -> InventoryItem:
    """Remove `quantity` from a row the caller has locked (`select_for_update`)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if row.quantity - row.locked_quantity < quantity:
        raise NotEnoughItems()
    row.quantity -= quantity
    update = ["quantity"]
    if row.quantity == 0 and row.equipped:
        row.equipped, row.slot = False, ""
        update += ["equipped", "slot"]
    row.save(update_fields=update)
    InventoryLedgerEntry.objects.create(
        user_id=row.user_id, item_id=row.item_id, amount=-quantity, quantity_after=row.quantity, reason=reason, ref=ref
    )
    return row


def streak_freezes_held(*, user_id: int) -> int:
    rows = InventoryItem.objects.filter(user_id=user_id, item__type=ItemType.STREAK_FREEZE).values_list(
        "quantity", "locked_quantity"
    )
    return sum(quantity - locked for quantity, locked in rows)


def streak_freezes_consume(*, user_id: int, count: int, ref: str) -> int:
    """Use up to `count` streak freezes (oldest rows first); return how many were used."""
    used = 0
    rows = (
        InventoryItem.objects.select_for_update()
        .filter(user_id=user_id, item__type=ItemType.STREAK_FREEZE, quantity__gt=F("locked_quantity"))
        .order_by("id")
    )
    for row in rows:
        if used >= count:
            break
        take = min(count - used, row.quantity - row.locked_quantity)
        inventory_take(row=row, quantity=take, reason="streak_freeze_used", ref=ref)
        used += take
    return used
