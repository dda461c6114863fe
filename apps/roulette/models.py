from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class SegmentKind(models.TextChoices):
    COINS = "coins"
    XP = "xp"
    CRYSTALS = "crystals"
    ITEM = "item"


class RouletteSegment(models.Model):
    """One prize of the wheel, managed in the admin. Its probability is its weight
    divided by the total weight of the active segments (published by `GET roulette/`).

    `amount` is the XP, coins or crystals won, or for an item the quantity. Item prizes
    are boosts: they stack, while a cosmetic is owned once and streak freezes are capped,
    so those could land on a prize the player cannot hold."""

    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=SegmentKind.choices)
    amount = models.PositiveIntegerField(default=1)
    item = models.ForeignKey("shop.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveIntegerField(default=1, help_text="Relative odds: weight / total of active weights.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="roulette_segment_weight_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="roulette_segment_amount_positive"),
            models.CheckConstraint(
                condition=(Q(kind="item") & Q(item__isnull=False)) | (~Q(kind="item") & Q(item__isnull=True)),
                name="roulette_segment_item_iff_kind_item",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        super().clean()
        if self.kind == SegmentKind.ITEM:
            if self.item_id is None:
                raise ValidationError({"item": "An item prize needs an item."})
            if self.item.type != "boost":
                raise ValidationError({"item": "Item prizes must be boosts (they stack; cosmetics are owned once)."})
        elif self.item_id is not None:
            raise ValidationError({"item": "Only item prizes have an item."})


class RouletteSpin(models.Model):
    """One spin: at most one per user and local day (a unique constraint, not a check).

    What was won is copied from the segment (label, kind, amount, item and its name, the
    odds at the time), so later changes to the segments never change a past record."""

    # No index of its own: the unique constraint leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roulette_spins", db_index=False)
    local_date = models.DateField()
    segment = models.ForeignKey(RouletteSegment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=SegmentKind.choices)
    amount = models.PositiveIntegerField()
    item = models.ForeignKey("shop.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item_name = models.CharField(max_length=100, blank=True)
    weight = models.PositiveIntegerField()
    total_weight = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "local_date"], name="roulette_spin_once_per_local_day")]
        indexes = [models.Index(fields=["user", "-id"], name="roulette_spin_user_feed_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.local_date}: {self.label}"
