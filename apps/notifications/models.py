from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """Something worth telling a player, written after the change it reports has committed."""

    class Kind(models.TextChoices):
        FRIEND_REQUEST = "friend_request"
        FRIEND_ACCEPTED = "friend_accepted"
        TRADE_RECEIVED = "trade_received"
        TRADE_ACCEPTED = "trade_accepted"
        TRADE_REJECTED = "trade_rejected"
        TRADE_CANCELLED = "trade_cancelled"
        TRADE_EXPIRED = "trade_expired"
        ACHIEVEMENT_UNLOCKED = "achievement_unlocked"
        LEVEL_UP = "level_up"
        STREAK_MILESTONE = "streak_milestone"

    # No index of its own: the indexes in Meta lead with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_id_feed_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
