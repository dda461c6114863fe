from django.conf import settings

from apps.core.localday import local_date
from apps.inventory.services import streak_freezes_held

from .models import Streak, StreakMilestoneClaim
from .rules import streak_on


def next_milestone(*, user_id: int, current: int) -> dict | None:
    """The next milestone above `current` not yet rewarded in the user's life, with its reward."""
    claimed = set(StreakMilestoneClaim.objects.filter(user_id=user_id).values_list("days", flat=True))
    for days, reward in sorted(settings.DREAMTRACK_STREAK_MILESTONES.items()):
        if days > current and days not in claimed:
            return {"days": days, "xp": reward["xp"], "coins": reward["coins"], "crystals": reward.get("crystals", 0)}
    return None


def streak_for_user(*, user) -> dict:
    """`streak/`: the streak as seen today (missed days count even before a job settles them).
    Three queries: the streak row, held streak freezes, claimed milestones."""
    streak = Streak.objects.filter(user_id=user.pk).first()
    freezes = streak_freezes_held(user_id=user.pk)
    current = streak_on(streak, today=local_date(user), freezes_held=freezes)
    return {
        "current": current,
        "longest": streak.longest if streak else 0,
        "last_active_date": streak.last_active_date if streak else None,
        "freezes": freezes,
        "next_milestone": next_milestone(user_id=user.pk, current=current),
    }
