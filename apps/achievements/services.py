"""Achievement unlocks: automatic, exactly once, a constant number of queries.

The catalog is cached (per process, checked against a version token in the
shared cache that any admin change replaces), indexed by trigger and sorted by
threshold. After an event, only achievements whose trigger changed and whose
threshold is now met are candidates; one query drops those already unlocked,
and the unique constraint on (user, achievement) makes each unlock happen once
even if two transactions try.
"""
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from apps.core import catalog_versions
from apps.core.fastsql import db, fetch_all, vendor
from apps.core.user_version import user_version_bump

from .models import Achievement, AchievementRewardItem, UserAchievement

VERSION_KEY = "achievements:catalog:version"
catalog_versions.register(VERSION_KEY, ttl=None)


@dataclass(frozen=True)
class AchievementDef:
    id: int
    code: str
    title: str
    trigger: str
    threshold: int
    reward_xp: int
    reward_coins: int
    reward_crystals: int
    items: tuple  # ((item_id, item_name, quantity), ...)


# (version, catalog) in one slot, replaced whole: threads never see a torn pair.
_memo: dict = {"entry": None}


def catalog_invalidate() -> None:
    """Called on every admin change of an achievement or its reward items.

    The version is a random token, not a counter: a token lost from the cache
    (eviction, flush) and created again can never equal a process's memo, so
    no process keeps serving a stale catalog.
    """
    catalog_versions.bump(VERSION_KEY)
    _memo["entry"] = None


def _load() -> dict[str, list[AchievementDef]]:
    by_trigger: dict[str, list[AchievementDef]] = {}
    rows = (
        Achievement.objects.filter(is_active=True)
        .prefetch_related(Prefetch("reward_items", queryset=AchievementRewardItem.objects.select_related("item")))
        .order_by("threshold", "id")
    )
    for a in rows:
        items = tuple((r.item_id, r.item.name, r.quantity) for r in a.reward_items.all())
        by_trigger.setdefault(a.trigger, []).append(
            AchievementDef(a.id, a.code, a.title, a.trigger, a.threshold, a.reward_xp, a.reward_coins, a.reward_crystals, items)
        )
    return by_trigger


def catalog_version() -> str | None:
    """The catalog's version token (created when missing); None when the cache is unreachable."""
    return catalog_versions.version(VERSION_KEY)


def catalog_by_trigger() -> dict[str, list[AchievementDef]]:
    version = catalog_version()
    entry = _memo["entry"]
    if entry is None or version is None or entry[0] != version:
        entry = (version, _load())
        _memo["entry"] = entry
    return entry[1]


def unlocked_reads_supported() -> bool:
    """Whether `unlocked_read` can answer on this database (it returns an array)."""
    return vendor() == "postgresql"


def unlocked_read(*, user_id: int, triggers) -> tuple[str, list] | None:
    """A scalar subquery (sql, params) giving which of the achievements these
    triggers can unlock the user already has, for a statement the caller runs
    anyway (the stats upsert): its answer is `have` for
    `achievements_unlock_for_stats`. PostgreSQL only (an array); None elsewhere
    or when no achievement has these triggers."""
    if not unlocked_reads_supported():
        return None
    catalog = catalog_by_trigger()
    ids = [a.id for trigger in triggers for a in catalog.get(trigger, ())]
    if not ids:
        return None
    table = db().ops.quote_name(UserAchievement._meta.db_table)
    return (
        f'SELECT ARRAY(SELECT "achievement_id" FROM {table} WHERE "user_id" = %s AND "achievement_id" = ANY(%s))',
        [user_id, ids],
    )


def achievements_unlock_for_stats(*, user_id: int, changed: dict[str, int], have=None) -> list[AchievementDef]:
    """Unlock what the new counter values reach. Returns only unlocks made now.
    `have`: the ids among these triggers' achievements the user already has (from
    `unlocked_read`), saving the query that reads them."""
    catalog = catalog_by_trigger()
    candidates = []
    for key, value in changed.items():
        for achievement in catalog.get(key, ()):
            if achievement.threshold > value:
                break  # sorted by threshold
            candidates.append(achievement)
    if not candidates:
        return []
    if have is None:
        have = {
            row.achievement_id
            for row in fetch_all(UserAchievement, user_id=user_id, achievement_id__in=[a.id for a in candidates])
        }
    unlocked = []
    for achievement in candidates:
        if achievement.id in have:
            continue
        try:
            with transaction.atomic():
                UserAchievement.objects.create(user_id=user_id, achievement_id=achievement.id)
        except IntegrityError:
            continue  # unlocked by a concurrent transaction: exactly once
        unlocked.append(achievement)
    return unlocked


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
