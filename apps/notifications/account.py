"""The notifications part of `me/export/`. They cascade with the user."""
from .models import Notification


def export(user):
    return (
        Notification.objects.filter(user=user)
        .order_by("created_at", "id")
        .values("id", "kind", "payload", "created_at", "read_at")
        .iterator(chunk_size=500)
    )
