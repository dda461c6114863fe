"""Item holdings: every quantity change goes through here and writes an inventory ledger
row, so a row's quantity always equals the sum of its ledger entries.

Lock order (the global one, apps/wallet/locks.py): wallet -> domain row -> streak ->
inventory rows (ascending id) -> boost slots. These functions never lock a wallet;
callers that move value hold it already.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum

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
    update = _take(row, quantity)
    row.save(update_fields=update)
    InventoryLedgerEntry.objects.create(
        user_id=row.user_id, item_id=row.item_id, amount=-quantity, quantity_after=row.quantity, reason=reason, ref=ref
    )
    user_version_bump(row.user_id)
    return row


def _take(row: InventoryItem, quantity: int) -> list[str]:
    """The rule of every take, in memory: only the quantity not in escrow, and a row that
    reaches 0 is no longer equipped. The fields it changed."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if row.quantity - row.locked_quantity < quantity:
        raise NotEnoughItems()
    row.quantity -= quantity
    if row.quantity == 0 and row.equipped:
        row.equipped, row.slot = False, ""
        return ["quantity", "equipped", "slot"]
    return ["quantity"]


def inventory_hold(*, holds: list[tuple[InventoryItem, int]]) -> None:
    """Hold each (row, quantity) in trade escrow (`locked_quantity`), on rows the caller has
    locked: the items stay the owner's, but cannot be spent, used, equipped or offered
    again. Only the unlocked quantity can be held (409 `insufficient_items`). No ledger
    row: no quantity changes. One statement, however many rows."""
    for row, quantity in holds:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if row.quantity - row.locked_quantity < quantity:
            raise NotEnoughItems()
        row.locked_quantity += quantity
    _save_locked_quantities([row for row, _ in holds])


def inventory_release(*, releases: list[tuple[InventoryItem, int]]) -> None:
    """Release each (row, quantity) held in escrow, on rows the caller has locked (a row
    may come more than once: several trades can hold parts of it). One statement."""
    for row, quantity in releases:
        _release(row, quantity)
    _save_locked_quantities([row for row, _ in releases])


def _release(row: InventoryItem, quantity: int) -> None:
    if not 0 < quantity <= row.locked_quantity:
        raise ValueError("can only release what is held")
    row.locked_quantity -= quantity


def _save_locked_quantities(rows: list[InventoryItem]) -> None:
    unique = list({row.pk: row for row in rows}.values())
    InventoryItem.objects.bulk_update(unique, ["locked_quantity"])
    for user_id in {row.user_id for row in unique}:
        user_version_bump(user_id)


@dataclass(frozen=True)
class Move:
    """`quantity` of `row` (locked by the caller) goes to `to_user_id`. `from_escrow`: what
    moves is the quantity held in escrow, released on the way."""

    row: InventoryItem
    to_user_id: int
    quantity: int
    from_escrow: bool = False


def inventory_move(*, moves: list[Move], held: Iterable[InventoryItem], reason: str, ref: str = "") -> None:
    """Apply `moves` in their order, with a ledger row on each side of each, carrying the
    quantity its row had right after that move (a row may give and receive in one call).

    `held`: every row the caller has locked: the givers' and each receiver's existing row of
    a moved item, in one ascending pass (the global order). A receiver's missing rows are
    created here, locked by their insert. Set-based: one update of the changed rows and
    one insert of the ledger rows, plus an insert and a read when rows were missing."""
    rows = {(row.user_id, row.item_id): row for row in held}
    missing = {(move.to_user_id, move.row.item_id) for move in moves} - rows.keys()
    if missing:
        InventoryItem.objects.bulk_create(
            [InventoryItem(user_id=user_id, item_id=item_id) for user_id, item_id in sorted(missing)],
            ignore_conflicts=True,
        )
        pairs = Q()
        for user_id, item_id in missing:
            pairs |= Q(user_id=user_id, item_id=item_id)
        rows.update({(row.user_id, row.item_id): row for row in InventoryItem.objects.select_for_update().filter(pairs)})

    fields, changed, entries = {"quantity"}, {}, []
    for move in moves:
        giver, receiver = rows[(move.row.user_id, move.row.item_id)], rows[(move.to_user_id, move.row.item_id)]
        if move.from_escrow:
            _release(giver, move.quantity)
            fields.add("locked_quantity")
        fields.update(_take(giver, move.quantity))
        receiver.quantity += move.quantity
        for row, amount in ((giver, -move.quantity), (receiver, move.quantity)):
            changed[row.pk] = row
            entries.append(
                InventoryLedgerEntry(
                    user_id=row.user_id, item_id=row.item_id, amount=amount, quantity_after=row.quantity,
                    reason=reason, ref=ref,
                )
            )
    InventoryItem.objects.bulk_update(list(changed.values()), sorted(fields))
    InventoryLedgerEntry.objects.bulk_create(entries)
    for user_id in {row.user_id for row in changed.values()}:
        user_version_bump(user_id)


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


@dataclass(frozen=True)
class Refusal:
    """Why a grant would break what a player may hold: the item, and a sentence to show."""

    item: object
    detail: str


def holding_refusal(*, incoming: dict[int, list[tuple[object, int]]]) -> Refusal | None:
    """The first grant of `incoming` ({user_id: [(item, quantity)]}, all granted at once)
    that would break what a player may hold, or None: a cosmetic is owned once, streak
    freezes are capped (escrowed ones count: a cancelled trade returns them). Purchases
    (409 `already_owned` / `limit_reached`), trades (both sides at once) and admin grants
    ask it. One query, whatever the number of players and items."""
    receivers = [user_id for user_id, grants in incoming.items() if grants]
    if not receivers:
        return None
    item_ids = {item.pk for grants in incoming.values() for item, _ in grants}
    held = (
        InventoryItem.objects.filter(user_id__in=receivers, quantity__gt=0)
        .filter(Q(item_id__in=item_ids) | Q(item__type=ItemType.STREAK_FREEZE))
        .values_list("user_id", "item_id", "item__type", "quantity")
    )
    owned, freezes = set(), dict.fromkeys(receivers, 0)
    for user_id, item_id, item_type, quantity in held:
        owned.add((user_id, item_id))
        if item_type == ItemType.STREAK_FREEZE:
            freezes[user_id] += quantity
    limit = settings.DREAMTRACK_MAX_STREAK_FREEZES
    for user_id, grants in incoming.items():
        for item, quantity in grants:
            if item.type in COSMETIC_TYPES and (quantity > 1 or (user_id, item.pk) in owned):
                return Refusal(item, f"{item.name} is a cosmetic: a player owns it once.")
            owned.add((user_id, item.pk))
            if item.type == ItemType.STREAK_FREEZE:
                freezes[user_id] += quantity
                if freezes[user_id] > limit:
                    return Refusal(item, f"A player may hold at most {limit} streak freezes.")
    return None
