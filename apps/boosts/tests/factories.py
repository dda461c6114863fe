from decimal import Decimal

import factory

from apps.shop.models import Item


class BoostItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Boost {n}")
    type = "boost"
    boost_type = "xp"
    multiplier = Decimal("2")
    duration_minutes = 30
    price_coins = 50


class CosmeticItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Avatar {n}")
    type = "avatar"
    price_coins = 20


def give(user, item, quantity=1):
    """Put `quantity` of `item` in the user's inventory (through the service: ledger row written)."""
    from apps.inventory.services import inventory_grant

    return inventory_grant(user_id=user.pk, item_id=item.pk, quantity=quantity, reason="test_grant")
