from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.inventory.models import BoostType


class ActiveBoost(models.Model):
    """A boost used from the inventory. It applies while started_at <= now < expires_at; no job needed.

    One active boost per (user, type) is a database fact: activation locks the
    user's `BoostSlot` row for that type and compares its `active_until`
    (see apps.boosts.services.boost_use), so concurrent uses cannot both win.
    """

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boosts", db_index=False)
    type = models.CharField(max_length=8, choices=BoostType.choices)
    multiplier = models.DecimalField(max_digits=4, decimal_places=2)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    item = models.ForeignKey("shop.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-expires_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="boost_user_expires_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("started_at")), name="boost_expires_after_start"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="boost_multiplier_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type} x{self.multiplier} until {self.expires_at:%Y-%m-%d %H:%M}"


class BoostSlot(models.Model):
    """One row per (user, boost type): the serialization point for activation.

    `active_until` is the end of the latest boost of that type; a new one may
    start only once it has passed.
    """

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    type = models.CharField(max_length=8, choices=BoostType.choices)
    active_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "type"], name="boost_slot_user_type_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type}"
