from django.db import models
from django.db.models import Q

from apps.inventory.models import COSMETIC_TYPES, BoostType, ItemType


class Rarity(models.TextChoices):
    COMMON = "common"
    RARE = "rare"
    EPIC = "epic"
    LEGENDARY = "legendary"


class Item(models.Model):
    """A catalog item. Prices may be in coins, crystals, or both (null = not sold for it)."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    type = models.CharField(max_length=16, choices=ItemType.choices, db_index=True)
    rarity = models.CharField(max_length=12, choices=Rarity.choices, default=Rarity.COMMON, db_index=True)
    image = models.ImageField(upload_to="items/", blank=True)
    price_coins = models.PositiveIntegerField(null=True, blank=True)
    price_crystals = models.PositiveIntegerField(null=True, blank=True)
    min_level = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True, db_index=True)
    boost_type = models.CharField(max_length=8, choices=BoostType.choices, blank=True)
    multiplier = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="shop_item_name_unique"),
            models.CheckConstraint(
                condition=~Q(type="boost") | (Q(multiplier__gt=1) & Q(duration_minutes__gt=0) & ~Q(boost_type="")),
                name="shop_item_boost_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "type"], name="shop_item_active_type_idx"),
            models.Index(fields=["price_coins"], name="shop_item_price_coins_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_cosmetic(self) -> bool:
        return self.type in COSMETIC_TYPES
