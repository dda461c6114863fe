"""Shop and inventory input validation and response shapes.

Responses are built as plain dicts by apps.shop.selectors (the catalog is
cached as dicts); the output serializers here describe those shapes for the
schema and are used to render the purchase result.
"""
from rest_framework import serializers

from apps.core.fields import QueryBooleanField, StrictIntegerField
from apps.inventory.models import ItemType
from apps.progression.serializers import RewardSummarySerializer

from .models import Rarity
from .selectors import ORDERINGS
from .services import MAX_QUANTITY

CURRENCIES = ("coins", "crystals")


class ShopItemSerializer(serializers.Serializer):
    """An item of the catalog as the user sees it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=ItemType.choices)
    rarity = serializers.ChoiceField(choices=Rarity.choices)
    image = serializers.URLField(help_text="Absolute URL; the type's default image when the item has none.")
    price_coins = serializers.IntegerField(allow_null=True, help_text="null: not sold for coins.")
    price_crystals = serializers.IntegerField(allow_null=True, help_text="null: not sold for crystals.")
    min_level = serializers.IntegerField()
    boost_type = serializers.CharField(allow_null=True, help_text="`xp` or `coins` for boosts, else null.")
    multiplier = serializers.FloatField(allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)
    owned = serializers.BooleanField()
    owned_quantity = serializers.IntegerField()


class ShopItemListQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ItemType.choices, required=False)
    rarity = serializers.ChoiceField(choices=Rarity.choices, required=False)
    currency = serializers.ChoiceField(
        choices=CURRENCIES, required=False, help_text="Only items priced in this currency."
    )
    min_price = serializers.IntegerField(
        min_value=0, required=False, help_text="In the `currency` filter's currency (coins when absent)."
    )
    max_price = serializers.IntegerField(
        min_value=0, required=False, help_text="In the `currency` filter's currency (coins when absent)."
    )
    affordable = QueryBooleanField(
        help_text="true: items you can pay now in `currency` (coins when absent); false: those you cannot yet.",
    )
    owned = QueryBooleanField(help_text="false: items you do not hold; true: items you hold.")
    search = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Name or description.")
    ordering = serializers.ChoiceField(
        choices=ORDERINGS, required=False, help_text="`price` is in the chosen currency; default: catalog order."
    )

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must be at least min_price."]})
        return attrs


class InventoryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = ShopItemSerializer()
    quantity = serializers.IntegerField()
    equipped = serializers.BooleanField()
    locked_in_trade = serializers.BooleanField(help_text="Some of it is held in escrow by a pending trade.")
    acquired_at = serializers.DateTimeField()


class InventoryEquippedSerializer(InventoryItemSerializer):
    rewards = RewardSummarySerializer(
        required=False, help_text="What counting `items_equipped` granted you (achievements); absent when the item "
        "was equipped already (nothing changed)."
    )


class InventoryBoostSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["xp", "coins"])
    multiplier = serializers.FloatField()
    expires_at = serializers.DateTimeField()


class InventoryUseResultSerializer(serializers.Serializer):
    boost = InventoryBoostSerializer()


class ShopPurchaseResultSerializer(serializers.Serializer):
    inventory_item = InventoryItemSerializer()
    coins = serializers.IntegerField(help_text="Coin balance after the purchase.")
    crystals = serializers.IntegerField(help_text="Crystal balance after the purchase.")
    rewards = RewardSummarySerializer()


class ShopPurchaseInputSerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=CURRENCIES, default="coins")
    quantity = StrictIntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        default=1,
        help_text=f"1 for cosmetics (owned once); 1-{MAX_QUANTITY} for boosts and streak freezes.",
    )

    @classmethod
    def validated(cls, data) -> dict:
        """This serializer's `validated_data` for `data`, or its ValidationError (as
        `is_valid(raise_exception=True)`). The usual bodies (a JSON object with a known
        currency and a whole-number quantity in range, or neither) are checked directly:
        building a serializer costs more than the rest of the check. Anything else goes
        through the serializer, which gives the errors. A test keeps the two equal."""
        if type(data) is dict and data.keys() <= {"currency", "quantity"}:
            currency = data.get("currency", "coins")
            quantity = data.get("quantity", 1)
            if type(currency) is str and currency in CURRENCIES and type(quantity) is int and 1 <= quantity <= MAX_QUANTITY:
                return {"currency": currency, "quantity": quantity}
        serializer = cls(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
