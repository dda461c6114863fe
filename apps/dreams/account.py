"""The dreams part of `me/export/`. On account deletion dreams cascade with the user."""
from .models import Dream

EXPORT_FIELDS = ("id", "title", "description", "target_date", "status", "completed_at", "reward_paid_at", "created_at")


def export(user):
    """Every dream, oldest first, read in chunks as the export streams."""
    return Dream.objects.filter(user=user).order_by("created_at", "id").values(*EXPORT_FIELDS).iterator(chunk_size=500)
