"""Buying items. One write path: `item_purchase`."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from apps.core.errors import BadRequest, NotFound
from apps.inventory.models import InventoryItem
from apps.progression.levels import level_for_xp
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService

from .exceptions import AlreadyOwned, CurrencyNotAccepted, LevelTooLow, LimitReached
from .models import ItemType
from .selectors import active_item

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
    item = active_item(item_id)
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

    def check(wallet) -> None:
        # Runs with the wallet locked: every purchase by this user is serialized here.
        if level_for_xp(wallet.xp) < item.min_level:
            raise LevelTooLow(f"{item.name} needs level {item.min_level}.")
        if item.is_cosmetic:
            held = InventoryItem.objects.filter(user=user, item=item, quantity__gt=0).exists()
            if held:
                raise AlreadyOwned()
        elif item.type == ItemType.STREAK_FREEZE:
            # Freezes held in trade escrow count: a cancelled trade returns them.
            held = (
                InventoryItem.objects.filter(user=user, item__type=ItemType.STREAK_FREEZE).aggregate(
                    total=Sum("quantity")
                )["total"]
                or 0
            )
            if held + quantity > settings.DREAMTRACK_MAX_STREAK_FREEZES:
                raise LimitReached(
                    f"You may hold at most {settings.DREAMTRACK_MAX_STREAK_FREEZES} streak freezes (you hold {held})."
                )

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
        service = UserProgressService(user)
        rewards = service.apply(event, before=check, savepoint=False)  # our block: errors leave it
        # The row as the (last) grant of this purchase saved it, under its lock: what a
        # re-read here would return, without the query.
        row = service.granted_rows[item.pk]
    row.item = item
    return PurchaseResult(
        inventory_item=row, coins=service.wallet.coins, crystals=service.wallet.crystals, rewards=rewards
    )
