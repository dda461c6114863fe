from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.core.images import validate_image


class Achievement(models.Model):
    """Admin-managed catalog. Unlocks when the user's `trigger` statistic reaches `threshold`."""

    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=1000)
    icon = models.ImageField(upload_to="achievements/", blank=True, validators=[validate_image])
    trigger = models.CharField(max_length=64, db_index=True, help_text="A statistic key, e.g. tasks_completed.")
    threshold = models.PositiveBigIntegerField()
    reward_xp = models.PositiveIntegerField(default=0)
    reward_coins = models.PositiveIntegerField(default=0)
    reward_crystals = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "trigger", "threshold", "id"]
        indexes = [models.Index(fields=["trigger", "threshold"], name="achievement_trigger_idx")]

    def __str__(self) -> str:
        return self.code


class AchievementRewardItem(models.Model):
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="reward_items")
    item = models.ForeignKey("shop.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["achievement", "item"], name="achievement_reward_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="achievement_reward_item_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.achievement_id}: {self.item_id} x{self.quantity}"

    def clean(self):
        super().clean()
        # As roulette prizes: a cosmetic is owned once and freezes are capped, which a reward
        # paid to someone who holds them already would break.
        if self.item_id is not None and self.item.type != "boost":
            raise ValidationError({"item": "Reward items must be boosts (they stack; cosmetics are owned once)."})


class UserAchievement(models.Model):
    """An unlock. Exactly once per (user, achievement): a unique constraint, not a check."""

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements", db_index=False)
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="unlocks")
    unlocked_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-unlocked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "achievement"], name="user_achievement_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.achievement_id}"
