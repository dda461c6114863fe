from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One (user, Idempotency-Key): the fingerprint of the first request and its response.

    The row is claimed (state=pending, committed) before the effect runs, then
    locked and completed in the same transaction as the effect, so a retried
    request can never apply twice. See apps/core/idempotency.py.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The JSON text of the first response, kept as text: jsonb would reorder its
    # keys, and a replay must be the same body as the first response.
    response_body = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.state})"
