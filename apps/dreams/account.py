"""The dreams part of `me/export/`. On account deletion dreams cascade with the user."""
from .models import Dream

EXPORT_FIELDS = ("id", "title", "description", "target_date", "status", "completed_at", "reward_paid_at", "created_at")


def export(user) -> list[dict]:
    rows = Dream.objects.filter(user=user).order_by("created_at", "id").values(*EXPORT_FIELDS)
    return [
        {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()} for row in rows
    ]
