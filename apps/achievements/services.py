"""Achievement unlocks: automatic, exactly once, one statement.

The catalog is cached (per process, checked against a version token in the
shared cache that any admin change replaces), indexed by trigger and sorted by
threshold. After an event, the achievements whose trigger went up and whose
threshold is now met are inserted as unlocks in one statement that skips those
the user has (apps/achievements/sql.py): the unique constraint on (user,
achievement) makes each unlock happen once, even if two transactions try.
"""
from dataclasses import dataclass

from django.db.models import Prefetch

from apps.core import catalog_versions
from apps.core.user_version import user_version_bump

from .models import Achievement, AchievementRewardItem, UserAchievement
from .sql import unlocks_insert

VERSION_KEY = "achievements:catalog:version"
catalog_versions.register(VERSION_KEY, ttl=None)


@dataclass(frozen=True)
class Catalog:
    """Every achievement (active or not) with `reward_items_list` (the rows, item loaded),
    in catalog order; and the active ones by trigger, sorted by threshold."""

    achievements: list
    by_trigger: dict


# (version, Catalog) in one slot, replaced whole: threads never see a torn pair.
_memo: dict = {"entry": None}


def catalog_invalidate() -> None:
    """Called on every change of an achievement, its reward items or a shop item.

    The version is a random token, not a counter: a token lost from the cache
    (eviction, flush) and created again can never equal a process's memo, so
    no process keeps serving a stale catalog.
    """
    catalog_versions.bump(VERSION_KEY)
    _memo["entry"] = None


def _load() -> Catalog:
    achievements = list(
        Achievement.objects.prefetch_related(
            Prefetch("reward_items", queryset=AchievementRewardItem.objects.select_related("item").order_by("id"))
        )
    )
    by_trigger: dict[str, list] = {}
    for achievement in achievements:
        achievement.reward_items_list = list(achievement.reward_items.all())
        if achievement.is_active:
            by_trigger.setdefault(achievement.trigger, []).append(achievement)
    for candidates in by_trigger.values():
        candidates.sort(key=lambda a: (a.threshold, a.id))
    return Catalog(achievements, by_trigger)


def catalog() -> Catalog:
    """The catalog, read once per process while its version token is unchanged
    (every read when the cache is unreachable)."""
    version = catalog_versions.version(VERSION_KEY)
    entry = _memo["entry"]
    if entry is None or version is None or entry[0] != version:
        entry = (version, _load())
        _memo["entry"] = entry
    return entry[1]


def achievements_unlock(*, user_id: int, values: dict[str, int]) -> list[Achievement]:
    """Unlock the active achievements whose trigger is a key of `values` and whose threshold
    its value reaches, that the user does not have yet; the ones unlocked now, in catalog
    order. Called by UserProgressService under the user's wallet lock."""
    by_trigger = catalog().by_trigger
    reached = []
    for key, value in values.items():
        for achievement in by_trigger.get(key, ()):
            if achievement.threshold > value:
                break  # sorted by threshold
            reached.append(achievement)
    new = unlocks_insert(user_id=user_id, achievement_ids=[a.id for a in reached])
    return [a for a in reached if a.id in new]


def achievements_mark_seen(*, user, codes, now=None) -> int:
    """Mark the user's unlocks with these codes as seen (once: seen_at keeps its first value).
    Unknown codes and locked achievements are ignored. Returns how many were marked."""
    from django.utils import timezone

    if not codes:
        return 0
    marked = UserAchievement.objects.filter(user=user, achievement__code__in=set(codes), seen_at__isnull=True).update(
        seen_at=now or timezone.now()
    )
    if marked:
        user_version_bump(user.pk)  # cached achievement lists show `seen`
    return marked
