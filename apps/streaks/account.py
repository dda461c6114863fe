"""The streaks part of `me/export/`: the streak row and the milestones claimed."""
from .models import Streak, StreakMilestoneClaim


def export(user) -> dict:
    streak = (
        Streak.objects.filter(user=user)
        .values("current", "longest", "last_active_date", "freezes_used", "frozen_through", "updated_at")
        .first()
    )
    return {
        "streak": streak,
        "milestones_claimed": list(
            StreakMilestoneClaim.objects.filter(user=user).order_by("days").values("days", "claimed_at")
        ),
    }
