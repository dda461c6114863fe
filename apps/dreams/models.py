from django.conf import settings
from django.db import models
from django.db.models import Q


class Dream(models.Model):
    """A long-term goal. Its steps are tasks (`Task.dream`, related name `steps`).

    `reward_paid_at` is set once, under the dream's row lock, when the dream is first
    completed, and never cleared: the completion reward is paid once in a dream's life.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        COMPLETED = "completed"
        ABANDONED = "abandoned"

    # No index of its own: an index in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dreams", db_index=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    completed_at = models.DateTimeField(null=True, blank=True)
    reward_paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="dream_user_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="dream_completed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title
