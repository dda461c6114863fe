from django.conf import settings
from django.db import models


class StepGenerationJob(models.Model):
    """One request for AI step proposals for a dream, run by a background job.

    What was asked is copied at creation (`request`: the dream's title and description,
    the notes, language and count), so the job does not depend on later edits. `steps`
    holds the validated proposals; they never become tasks here (the client posts them to
    `dreams/{id}/steps/bulk/`)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    # No index of its own: the index in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    dream = models.ForeignKey("dreams.Dream", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    request = models.JSONField(default=dict)
    steps = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    # What the call reported (for the logs' figures and the admin).
    model = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ai_job_user_created_idx"),
            # The stale-job sweep: only unfinished jobs, by age.
            models.Index(
                fields=["created_at"],
                name="ai_job_unfinished_idx",
                condition=models.Q(status__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"
