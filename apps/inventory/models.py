from django.conf import settings
from django.db import models
from django.db.models import Q


# What a player can hold; the shop's catalog (apps.shop.models.Item) sells these kinds.
class ItemType(models.TextChoices):
    AVATAR = "avatar"
    ICON = "icon"
    BACKGROUND = "background"
    BOOST = "boost"
    STREAK_FREEZE = "streak_freeze"


COSMETIC_TYPES = (ItemType.AVATAR, ItemType.ICON, ItemType.BACKGROUND)
STACKABLE_TYPES = (ItemType.BOOST, ItemType.STREAK_FREEZE)


class BoostType(models.TextChoices):
    XP = "xp"
    COINS = "coins"


class InventoryItem(models.Model):
    """What a user holds. Cosmetics are held once; boosts and streak freezes stack.

    `quantity` changes only through apps.inventory.services (which writes an
    InventoryLedgerEntry for every change). A row may reach quantity 0 and stay,
    so its history and `acquired_at` remain.
    """

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inventory", db_index=False)
    item = models.ForeignKey("shop.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=0)
    equipped = models.BooleanField(default=False)
    # The slot of an equipped cosmetic (= the item's type), so the database can
    # enforce one equipped item per slot; blank when not equipped.
    slot = models.CharField(max_length=16, blank=True, default="")
    locked_quantity = models.PositiveIntegerField(default=0, help_text="Held in escrow by pending trades.")
    acquired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acquired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="inventory_user_item_unique"),
            models.UniqueConstraint(
                fields=["user", "slot"], condition=Q(equipped=True), name="inventory_one_equipped_per_slot"
            ),
            models.CheckConstraint(condition=Q(locked_quantity__lte=models.F("quantity")), name="inventory_locked_le_qty"),
        ]
        indexes = [models.Index(fields=["user", "equipped"], name="inventory_user_equipped_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.item_id} x{self.quantity}"

    @property
    def locked_in_trade(self) -> bool:
        return self.locked_quantity > 0


class InventoryLedgerEntry(models.Model):
    """Append-only history of item movements: quantity == sum of its entries."""

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    item = models.ForeignKey("shop.Item", on_delete=models.PROTECT, related_name="+")
    amount = models.IntegerField()
    quantity_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=64)
    ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "item"], name="inv_ledger_user_item_idx")]
        verbose_name_plural = "inventory ledger entries"

    def __str__(self) -> str:
        return f"{self.user_id} {self.item_id} {self.amount:+d} ({self.reason})"
