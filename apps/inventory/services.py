"""Item holdings: every quantity change goes through here and writes a ledger row;
equipping cosmetics (one per slot) too.

Lock order (the global one, see apps/progression/services.py): wallet ->
streak -> inventory rows (ascending id) -> boost slots. Callers that hold the
wallet lock may call inventory_grant/inventory_take; these never lock a wallet
themselves. inventory_equip locks the wallet first (through the progress
service, which counts `items_equipped`), then the rows.
"""
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.errors import Conflict, NotFound
from apps.core.fastsql import insert_rows, upsert_add_and_read
from apps.core.user_version import user_version_bump
from apps.shop.models import COSMETIC_TYPES, ItemType

from .exceptions import ItemLocked, NotEquippable
from .models import InventoryItem, InventoryLedgerEntry


class NotEnoughItems(Conflict):
    code = "insufficient_items"
    default_detail = "You do not hold enough of this item."


def inventory_grant(*, user, item, quantity: int, reason: str, ref: str = "", batch=None) -> InventoryItem:
    """Add `quantity` of `item` to the user's inventory (one ledger row).
    See `inventory_grant_and_read`."""
    return inventory_grant_and_read(user=user, item=item, quantity=quantity, reason=reason, ref=ref, batch=batch)[0]


def inventory_grant_and_read(
    *, user, item, quantity: int, reason: str, ref: str = "", batch=None, reads=()
) -> tuple[InventoryItem, list]:
    """`inventory_grant`, plus scalar subqueries `reads` ((sql, params), ...) evaluated by
    the same upsert (PostgreSQL): (the row, [read values]).

    The row is created or added to by one upsert, which also locks it (the
    global order: after the wallet and streak). With `batch` (an
    apps.core.fastsql.Batch of the caller's transaction), the ledger row is
    written with the batch's other writes."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    # No savepoint when nested: no caller catches an error of this block inside its
    # own transaction (it always propagates), so the outer block rolls back.
    with transaction.atomic(savepoint=False):
        row, values = upsert_add_and_read(
            InventoryItem(user_id=user.pk, item_id=item.pk, quantity=quantity),
            conflict=("user", "item"),
            add=("quantity",),
            reads=reads,
            send_signals=False,  # its one receiver's work (apps/profiles/apps.py) is the next line
        )
        user_version_bump(user.pk)  # the user's cached pages show this row
        row.item = item
        # objects.create() without compiling it or building an instance (the ledger row
        # has no signal receivers; created_at is auto_now_add's value)
        entry = {
            "user_id": user.pk,
            "item_id": item.pk,
            "amount": quantity,
            "quantity_after": row.quantity,
            "reason": reason,
            "ref": ref,
            "created_at": timezone.now(),
        }
        if batch is None:
            insert_rows(InventoryLedgerEntry, [entry])
        else:
            batch.insert_rows(InventoryLedgerEntry, [entry])
        return row, values


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


class _AlreadyEquipped(Exception):
    """Internal: equipping an equipped item is a no-op (not an error for the client)."""


def _lock_held_rows(*, user_id: int, inventory_item_id: int) -> tuple[InventoryItem, list[InventoryItem]]:
    """Lock the row `inventory_item_id` (held, the user's) and the user's equipped rows,
    in ascending id (the global order for inventory rows). NotFound when not held."""
    rows = list(
        InventoryItem.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(Q(pk=inventory_item_id) | Q(equipped=True), user_id=user_id)
        .order_by("pk")
    )
    row = next((r for r in rows if r.pk == inventory_item_id and r.quantity > 0), None)
    if row is None:
        raise NotFound()
    return row, [r for r in rows if r.pk != row.pk]


def inventory_equip(*, user, inventory_item_id: int) -> InventoryItem:
    """Equip a held cosmetic in its slot (its type), unequipping the slot's previous
    item in the same transaction. Equipping what is already equipped changes nothing.

    Errors: 404 not the user's or not held, 400 `not_equippable` (boosts, freezes),
    409 `item_locked` (in a pending trade). Counts `items_equipped` (only when
    something changed) through the progress service, so achievements on it unlock.
    """
    from apps.progression.services import ProgressEvent, UserProgressService

    event = ProgressEvent(reason="item_equip", ref=f"inventory:{inventory_item_id}", stats={"items_equipped": 1})
    result = {}

    def equip(wallet) -> None:
        # Under the wallet lock (the global order: wallet -> inventory rows).
        row, equipped = _lock_held_rows(user_id=user.pk, inventory_item_id=inventory_item_id)
        result["row"] = row
        if row.item.type not in COSMETIC_TYPES:
            raise NotEquippable()
        if row.locked_quantity > 0:
            raise ItemLocked()
        if row.equipped:
            raise _AlreadyEquipped()  # nothing to change or count: leave the service's transaction
        previous = [r.pk for r in equipped if r.slot == row.item.type]
        if previous:
            # First free the slot: the partial unique constraint
            # `inventory_one_equipped_per_slot` is checked per statement.
            InventoryItem.objects.filter(pk__in=previous).update(equipped=False, slot="")
        row.equipped, row.slot = True, row.item.type
        row.save(update_fields=["equipped", "slot"])

    try:
        UserProgressService(user).apply(event, before=equip)
    except _AlreadyEquipped:
        pass
    return result["row"]


def inventory_unequip(*, user, inventory_item_id: int) -> InventoryItem:
    """Take a cosmetic off (its slot shows the default image). Idempotent."""
    with transaction.atomic():
        row = (
            InventoryItem.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(pk=inventory_item_id, user_id=user.pk, quantity__gt=0)
            .first()
        )
        if row is None:
            raise NotFound()
        if row.item.type not in COSMETIC_TYPES:
            raise NotEquippable()
        if row.equipped:
            row.equipped, row.slot = False, ""
            row.save(update_fields=["equipped", "slot"])
        return row
