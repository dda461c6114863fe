"""The achievements part of `me/export/`: every unlock."""
from .models import UserAchievement


def export(user) -> dict:
    return {
        "unlocked": (
            {
                "code": row["achievement__code"],
                "title": row["achievement__title"],
                "unlocked_at": row["unlocked_at"],
                "seen_at": row["seen_at"],
            }
            for row in UserAchievement.objects.filter(user=user)
            .order_by("unlocked_at", "id")
            .values("achievement__code", "achievement__title", "unlocked_at", "seen_at")
            .iterator(chunk_size=500)
        )
    }
