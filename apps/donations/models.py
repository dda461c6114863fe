from django.conf import settings
from django.db import models


class Donation(models.Model):
    """A processed donation webhook. `payment_id` unique: a replay credits nothing."""

    payment_id = models.CharField(max_length=128, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="donations")
    crystals = models.PositiveIntegerField()
    payload = models.JSONField(default=dict)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(crystals__gt=0), name="donation_crystals_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.crystals} crystals"
