from django.conf import settings
from django.db import models
from django.db.models import Q


class Difficulty(models.TextChoices):
    TRIVIAL = "trivial"
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


DIFFICULTY_RANK = {"trivial": 0, "easy": 1, "medium": 2, "hard": 3}


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        COMPLETED = "completed"

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices, default=Difficulty.EASY)
    # Difficulty as a number, so `ordering=difficulty` sorts trivial < easy < medium < hard.
    difficulty_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    deadline = models.DateField(null=True, blank=True)
    # A step of a dream. By string: dreams imports tasks, never the other way round. Deleting
    # the dream keeps its steps as plain tasks (and what their completions earned).
    dream = models.ForeignKey("dreams.Dream", null=True, blank=True, on_delete=models.SET_NULL, related_name="steps")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_local_date = models.DateField(null=True, blank=True)
    # The completion's own reward (base, on-time bonus, boost), which `reopen` takes back.
    reward_xp = models.PositiveIntegerField(default=0)
    reward_coins = models.PositiveIntegerField(default=0)
    completed_on_time = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "status", "deadline"], name="task_user_status_deadline_idx"),
            models.Index(fields=["user", "-created_at"], name="task_user_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(completed_at__isnull=False), name="task_completed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.difficulty_rank = DIFFICULTY_RANK.get(self.difficulty, 1)
        if kwargs.get("update_fields") is not None and "difficulty" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "difficulty_rank"}
        super().save(*args, **kwargs)
