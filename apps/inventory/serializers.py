"""Inventory response shapes (rows are rendered by apps.inventory.selectors.inventory_row_public)."""
from rest_framework import serializers

from apps.shop.serializers import ShopItemSerializer


class InventoryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = ShopItemSerializer()
    quantity = serializers.IntegerField()
    equipped = serializers.BooleanField()
    locked_in_trade = serializers.BooleanField(help_text="Some of it is held in escrow by a pending trade.")
    acquired_at = serializers.DateTimeField()


class InventoryBoostSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["xp", "coins"])
    multiplier = serializers.FloatField()
    expires_at = serializers.DateTimeField()


class InventoryUseResultSerializer(serializers.Serializer):
    boost = InventoryBoostSerializer()
