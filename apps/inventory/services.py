"""Item holdings: every quantity change goes through here and writes an inventory ledger
row, so a row's quantity always equals the sum of its ledger entries.

Lock order (the global one, apps/wallet/locks.py): wallet -> domain row -> streak ->
inventory rows (ascending id) -> boost slots. These functions never lock a wallet;
callers that move value hold it already.
"""
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from apps.core.errors import Conflict
from apps.core.user_version import user_version_bump

from .models import COSMETIC_TYPES, InventoryItem, InventoryLedgerEntry, ItemType
from .sql import inventory_quantity_add


class NotEnoughItems(Conflict):
    code = "insufficient_items"
    default_detail = "You do not hold enough of this item."


def inventory_grant(*, user_id: int, item_id: int, quantity: int, reason: str, ref: str = "") -> InventoryItem:
    """Add `quantity` of an item to the user's inventory (creating the row, which stays
    locked until the transaction ends); one ledger row."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    # Both writes or neither; inside a caller's transaction no savepoint of its own:
    # nothing here is meant to be caught and recovered from within that transaction.
    with transaction.atomic(savepoint=False):
        row = inventory_quantity_add(user_id=user_id, item_id=item_id, quantity=quantity)
        InventoryLedgerEntry.objects.create(
            user_id=user_id, item_id=item_id, amount=quantity, quantity_after=row.quantity, reason=reason, ref=ref
        )
    user_version_bump(user_id)
    return row


def inventory_take(*, row: InventoryItem, quantity: int, reason: str, ref: str = "") -> InventoryItem:
    """Remove `quantity` from a row the caller has locked (`select_for_update`); what is held
    in trade escrow cannot be taken (409 `insufficient_items`)."""
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
    user_version_bump(row.user_id)
    return row


def inventory_lock(*, row: InventoryItem, quantity: int) -> InventoryItem:
    """Hold `quantity` of a row the caller has locked in trade escrow (`locked_quantity`):
    it stays the owner's, but cannot be spent, used, equipped or offered again. Only
    the unlocked quantity can be held (409 `insufficient_items`). No ledger row: the
    quantity does not change."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if row.quantity - row.locked_quantity < quantity:
        raise NotEnoughItems()
    row.locked_quantity += quantity
    row.save(update_fields=["locked_quantity"])
    user_version_bump(row.user_id)
    return row


def inventory_unlock(*, row: InventoryItem, quantity: int) -> InventoryItem:
    """Release `quantity` held in escrow on a row the caller has locked."""
    if not 0 < quantity <= row.locked_quantity:
        raise ValueError("can only release what is held")
    row.locked_quantity -= quantity
    row.save(update_fields=["locked_quantity"])
    user_version_bump(row.user_id)
    return row


def inventory_transfer(
    *, row: InventoryItem, to_user_id: int, quantity: int, reason: str, ref: str = "", from_escrow: bool = False
) -> InventoryItem:
    """Move `quantity` of a row the caller has locked to another user (a ledger row on each
    side); `from_escrow`: what moves is the quantity held in escrow, released on the way.
    The receiver's row is created if needed and stays locked until the transaction ends.
    Returns the receiver's row."""
    if from_escrow:
        inventory_unlock(row=row, quantity=quantity)
    inventory_take(row=row, quantity=quantity, reason=reason, ref=ref)
    return inventory_grant(user_id=to_user_id, item_id=row.item_id, quantity=quantity, reason=reason, ref=ref)


def streak_freezes_held(*, user_id: int) -> int:
    """Streak freezes the user can use (escrowed ones excluded)."""
    rows = InventoryItem.objects.filter(user_id=user_id, item__type=ItemType.STREAK_FREEZE).values_list(
        "quantity", "locked_quantity"
    )
    return sum(quantity - locked for quantity, locked in rows)


def streak_freezes_held_by_user(*, user_ids) -> dict[int, int]:
    """Streak freezes each of these users can use (escrowed ones excluded), in one query;
    users holding none are left out."""
    rows = (
        InventoryItem.objects.filter(user_id__in=list(user_ids), item__type=ItemType.STREAK_FREEZE)
        .values("user_id")
        .annotate(held=Sum(F("quantity") - F("locked_quantity")))
        .values_list("user_id", "held")
        .order_by()
    )
    return {user_id: held for user_id, held in rows if held > 0}


def streak_freezes_consume(*, user_id: int, count: int, ref: str) -> int:
    """Use up to `count` streak freezes (oldest rows first); how many were used."""
    used = 0
    rows = (
        InventoryItem.objects.select_for_update(of=("self",))
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


def holding_refusal(*, user_id: int, item, quantity: int) -> str | None:
    """Why a grant would break what a player may hold, or None: a cosmetic is owned once,
    streak freezes are capped (escrowed ones count: a cancelled trade returns them).
    Purchases (409 `already_owned` / `limit_reached`) and admin grants ask it; a trade
    applies the same two rules to both sides at once (trades `_check_receivable`)."""
    held = InventoryItem.objects.filter(user_id=user_id, item__type=item.type)
    if item.type in COSMETIC_TYPES and (quantity > 1 or held.filter(item=item, quantity__gt=0).exists()):
        return f"{item.name} is a cosmetic: a player owns it once."
    if item.type == ItemType.STREAK_FREEZE:
        total = (held.aggregate(total=Sum("quantity"))["total"] or 0) + quantity
        if total > settings.DREAMTRACK_MAX_STREAK_FREEZES:
            return f"A player may hold at most {settings.DREAMTRACK_MAX_STREAK_FREEZES} streak freezes."
    return None
