"""The tasks part of `me/export/` and account deletion."""
from .models import Task

EXPORT_FIELDS = (
    "id",
    "title",
    "description",
    "difficulty",
    "deadline",
    "dream_id",
    "status",
    "completed_at",
    "completed_local_date",
    "completed_on_time",
    "reward_xp",
    "reward_coins",
    "created_at",
    "updated_at",
)


def export(user):
    """Every task, oldest first, read in chunks as the export streams."""
    return Task.objects.filter(user=user).order_by("created_at", "id").values(*EXPORT_FIELDS).iterator(chunk_size=500)


def on_delete(user) -> None:
    """Nothing to release: tasks cascade with the user; ledger history goes with the account."""
