"""What a player does with items: buy them (`item_purchase`), equip and unequip cosmetics."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from apps.core.errors import BadRequest, NotFound
from apps.core.user_version import user_version_bump
from apps.inventory.models import COSMETIC_TYPES, InventoryItem
from apps.inventory.services import holding_refusal
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.wallet.levels import level_for_xp

from .exceptions import CurrencyNotAccepted, ItemLocked, LevelTooLow, NotEquippable, holding_conflict
from .models import Item

MAX_QUANTITY = 10  # per purchase, for stackable items (boosts, streak freezes)


@dataclass
class PurchaseResult:
    inventory_item: InventoryItem
    coins: int
    crystals: int
    rewards: RewardSummary


def item_purchase(*, user, item_id: int, currency: str, quantity: int = 1) -> PurchaseResult:
    """Buy `quantity` of an active item, paying in `currency` ("coins" or "crystals").

    Cosmetics are bought one at a time and owned once; boosts and streak
    freezes stack (1..MAX_QUANTITY per purchase), streak freezes up to
    DREAMTRACK_MAX_STREAK_FREEZES held. The level, ownership and freeze checks
    run under the buyer's wallet lock, in the same transaction as the debit,
    the ledger row and the inventory grant, so they cannot be raced and a
    refused purchase changes nothing.
    """
    item = Item.objects.filter(pk=item_id, is_active=True).first()
    if item is None:
        raise NotFound()
    if currency not in ("coins", "crystals"):
        raise BadRequest(errors={"currency": ["Must be coins or crystals."]})
    price = item.price_coins if currency == "coins" else item.price_crystals
    if price is None:
        raise CurrencyNotAccepted(f"{item.name} is not sold for {currency}.")
    limit = 1 if item.is_cosmetic else MAX_QUANTITY
    if not 1 <= quantity <= limit:
        raise BadRequest(errors={"quantity": [f"Must be between 1 and {limit} for this item."]})

    cost = price * quantity
    event = ProgressEvent(
        reason="item_purchase",
        ref=f"item:{item.pk}",
        coins=-cost if currency == "coins" else 0,
        crystals=-cost if currency == "crystals" else 0,
        stats={"items_bought": quantity},
        items=[(item, quantity)],
    )
    with transaction.atomic():
        progress = UserProgressService(user)
        wallet = progress.lock()  # every purchase by this user is serialized from here on
        if level_for_xp(wallet.xp) < item.min_level:
            raise LevelTooLow(f"{item.name} needs level {item.min_level}.")
        refusal = holding_refusal(incoming={user.pk: [(item, quantity)]})
        if refusal:
            raise holding_conflict(refusal)
        rewards = progress.apply(event)
    row = progress.granted_rows[item.pk]
    row.item = item
    return PurchaseResult(inventory_item=row, coins=wallet.coins, crystals=wallet.crystals, rewards=rewards)


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


def inventory_equip(*, user, inventory_item_id: int) -> tuple[InventoryItem, RewardSummary | None]:
    """Equip a held cosmetic in its slot (its type), unequipping the slot's previous
    item in the same transaction: the row, and what counting it granted (None when it
    was equipped already: that changes nothing).

    Errors: 404 not the user's or not held, 400 `not_equippable` (boosts, freezes),
    409 `item_locked` (in a pending trade). Counts `items_equipped` (only when
    something changed) through the progress service, so achievements on it unlock.
    """
    with transaction.atomic():
        progress = UserProgressService(user)
        progress.lock()
        row, equipped = _lock_held_rows(user_id=user.pk, inventory_item_id=inventory_item_id)
        if row.item.type not in COSMETIC_TYPES:
            raise NotEquippable()
        if row.locked_quantity > 0:
            raise ItemLocked()
        if row.equipped:
            return row, None
        previous = [r.pk for r in equipped if r.slot == row.item.type]
        if previous:
            # First free the slot: the partial unique constraint
            # `inventory_one_equipped_per_slot` is checked per statement.
            InventoryItem.objects.filter(pk__in=previous).update(equipped=False, slot="")
        row.equipped, row.slot = True, row.item.type
        row.save(update_fields=["equipped", "slot"])
        summary = progress.apply(ProgressEvent(reason="item_equip", ref=f"inventory:{row.pk}", stats={"items_equipped": 1}))
    return row, summary


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
            user_version_bump(user.pk)
        return row
