"""The achievement list a player sees, in a constant number of queries.

Queries, whatever the size of the catalog: the user's unlocks (1), the
achievements with their reward items (1 + 1 prefetch joined to the item),
the user's counters for the triggers shown (1), and the wallet for `level`
progress (0 when the JWT user carries it, else 1).
"""
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q

from apps.progression.levels import level_for_xp
from apps.stats.models import StatCounter

from .models import Achievement, AchievementRewardItem, UserAchievement

LEVEL_TRIGGER = "level"
RECENT_LIMIT = 10


def _with_reward_items(qs):
    return qs.prefetch_related(
        Prefetch("reward_items", queryset=AchievementRewardItem.objects.select_related("item").order_by("id"))
    )


def _trigger_values(user, triggers: set[str]) -> dict[str, int]:
    values = {}
    stat_keys = triggers - {LEVEL_TRIGGER}
    if stat_keys:
        values.update(StatCounter.objects.filter(user=user, key__in=stat_keys).values_list("key", "value"))
    if LEVEL_TRIGGER in triggers:
        try:
            xp = user.wallet.xp
        except ObjectDoesNotExist:
            xp = 0
        values[LEVEL_TRIGGER] = level_for_xp(xp)
    return values


def _icon_url(achievement, request) -> str | None:
    if not achievement.icon:
        return None
    url = achievement.icon.url
    return request.build_absolute_uri(url) if request is not None else url


def _item(achievement, unlock, values, request) -> dict:
    if achievement.hidden and unlock is None:
        return {"code": achievement.code, "hidden": True}
    target = achievement.threshold
    current = target if unlock is not None else min(values.get(achievement.trigger, 0), target)
    return {
        "code": achievement.code,
        "title": achievement.title,
        "description": achievement.description,
        "icon": _icon_url(achievement, request),
        "trigger": achievement.trigger,
        "threshold": achievement.threshold,
        "reward_xp": achievement.reward_xp,
        "reward_coins": achievement.reward_coins,
        "reward_crystals": achievement.reward_crystals,
        "reward_items": [
            {"item_id": r.item_id, "name": r.item.name, "quantity": r.quantity} for r in achievement.reward_items.all()
        ],
        "hidden": achievement.hidden,
        "unlocked": unlock is not None,
        "unlocked_at": unlock["unlocked_at"] if unlock else None,
        "seen": bool(unlock and unlock["seen_at"]),
        "progress": {"current": current, "target": target},
    }


def achievement_list_for_user(*, user, request=None, unlocked: bool | None = None) -> list[dict]:
    """Every active achievement (and any inactive one the user holds), catalog order.
    `unlocked` True/False keeps only unlocked/locked ones."""
    unlocks = {
        row["achievement_id"]: row
        for row in UserAchievement.objects.filter(user=user).values("achievement_id", "unlocked_at", "seen_at")
    }
    if unlocked is True:
        qs = Achievement.objects.filter(id__in=list(unlocks))
    elif unlocked is False:
        qs = Achievement.objects.filter(is_active=True).exclude(id__in=list(unlocks))
    else:
        qs = Achievement.objects.filter(Q(is_active=True) | Q(id__in=list(unlocks)))
    achievements = list(_with_reward_items(qs))
    values = _trigger_values(user, {a.trigger for a in achievements if a.id not in unlocks})
    return [_item(a, unlocks.get(a.id), values, request) for a in achievements]


def achievement_recent_for_user(*, user, request=None, limit: int = RECENT_LIMIT) -> list[dict]:
    """The user's last `limit` unlocks, newest first."""
    rows = list(
        UserAchievement.objects.filter(user=user)
        .order_by("-unlocked_at", "-id")
        .values("achievement_id", "unlocked_at", "seen_at")[:limit]
    )
    by_id = {a.id: a for a in _with_reward_items(Achievement.objects.filter(id__in=[r["achievement_id"] for r in rows]))}
    return [_item(by_id[r["achievement_id"]], r, {}, request) for r in rows if r["achievement_id"] in by_id]


def achievement_overview_for_user(*, user, request=None, closest: int = 3, recent: int = 5) -> dict:
    """For the dashboard: the `closest` locked, visible achievements nearest to
    unlocking (by progress ratio) and the `recent` latest unlocks. Four queries
    whatever the catalog size: unlocks, achievements + reward items, counters."""
    unlocks = {
        row["achievement_id"]: row
        for row in UserAchievement.objects.filter(user=user).values("achievement_id", "unlocked_at", "seen_at")
    }
    achievements = list(_with_reward_items(Achievement.objects.filter(Q(is_active=True) | Q(id__in=list(unlocks)))))
    locked = [a for a in achievements if a.id not in unlocks and not a.hidden]
    values = _trigger_values(user, {a.trigger for a in locked})
    locked.sort(key=lambda a: (-min(values.get(a.trigger, 0), a.threshold) / max(a.threshold, 1), a.threshold, a.id))
    by_id = {a.id: a for a in achievements}
    latest = sorted(unlocks.values(), key=lambda r: (r["unlocked_at"], r["achievement_id"]), reverse=True)[:recent]
    return {
        "next": [_item(a, None, values, request) for a in locked[:closest]],
        "recent": [_item(by_id[r["achievement_id"]], r, {}, request) for r in latest if r["achievement_id"] in by_id],
    }
