from decimal import Decimal

import factory

from apps.shop.models import Item


class ItemFactory(factory.django.DjangoModelFactory):
    """A level-1 common avatar for 100 coins."""

    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Item {n:04d}")
    description = "An item."
    type = "avatar"
    rarity = "common"
    price_coins = 100
    price_crystals = None
    min_level = 1


class BoostFactory(ItemFactory):
    name = factory.Sequence(lambda n: f"Boost {n:04d}")
    type = "boost"
    boost_type = "xp"
    multiplier = Decimal("1.5")
    duration_minutes = 30
    price_coins = 50


class FreezeFactory(ItemFactory):
    name = factory.Sequence(lambda n: f"Freeze {n:04d}")
    type = "streak_freeze"
    price_coins = 100


def fund(user, *, coins=0, crystals=0, xp=0):
    """Credit a user through the progress service (XP pays level-up coins too)."""
    from apps.progression.services import progress_grant

    progress_grant(user=user, coins=coins, crystals=crystals, xp=xp, reason="test_fund")


def snapshot(user) -> dict:
    """Everything a refused purchase must leave untouched."""
    from apps.inventory.models import InventoryItem, InventoryLedgerEntry
    from apps.stats.models import StatCounter
    from apps.wallet.models import LedgerEntry, Wallet

    wallet = Wallet.objects.get(user=user)
    return {
        "balances": (wallet.xp, wallet.coins, wallet.crystals),
        "ledger": list(LedgerEntry.objects.filter(user=user).order_by("id").values_list("id", flat=True)),
        "items": sorted(InventoryItem.objects.filter(user=user).values_list("item_id", "quantity")),
        "item_ledger": InventoryLedgerEntry.objects.filter(user=user).count(),
        "stats": dict(StatCounter.objects.filter(user=user).values_list("key", "value")),
    }
