from apps.core.deferred import load_deferred
from apps.core.localday import local_date
from apps.inventory.services import streak_freezes_held

from .models import Streak
from .services import current_streak_on, next_milestone


def streak_for_user(*, user) -> dict:
    """`streak/`: the streak as seen today (missed days count even before a job settles them).

    Three queries at most: the streak row (none when the JWT user carries it),
    held streak freezes, claimed milestones.
    """
    load_deferred(user)  # the JWT user's cached profile, if it has one
    try:
        streak = user.streak
    except Streak.DoesNotExist:
        streak = None
    freezes = streak_freezes_held(user_id=user.pk)
    current = current_streak_on(streak, today=local_date(user), freezes_held=freezes)
    return {
        "current": current,
        "longest": streak.longest if streak else 0,
        "last_active_date": streak.last_active_date if streak else None,
        "freezes": freezes,
        "next_milestone": next_milestone(user_id=user.pk, current=current),
    }
