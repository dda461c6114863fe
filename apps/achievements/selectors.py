"""The achievement list a player sees, in a constant number of queries.

Queries, whatever the size of the catalog: the user's unlocks (1), the
user's counters for the triggers shown (1), and the wallet for `level`
progress (1). The catalog itself is the process's (apps.achievements.services.catalog).
"""
from apps.stats.models import StatCounter
from apps.wallet.levels import level_for_xp
from apps.wallet.models import Wallet

from .models import UserAchievement
from .services import catalog

LEVEL_TRIGGER = "level"
RECENT_LIMIT = 10


def _unlocks(user) -> dict[int, dict]:
    """{achievement_id: {achievement_id, unlocked_at, seen_at}} of the user's unlocks."""
    return {
        row.achievement_id: {"achievement_id": row.achievement_id, "unlocked_at": row.unlocked_at, "seen_at": row.seen_at}
        for row in UserAchievement.objects.filter(user_id=user.pk)
    }


def _trigger_values(user, triggers: set[str]) -> dict[str, int]:
    values = {}
    stat_keys = triggers - {LEVEL_TRIGGER}
    if stat_keys:
        values.update(StatCounter.objects.filter(user_id=user.pk, key__in=stat_keys).values_list("key", "value"))
    if LEVEL_TRIGGER in triggers:
        xp = Wallet.objects.filter(user_id=user.pk).values_list("xp", flat=True).first()
        values[LEVEL_TRIGGER] = level_for_xp(xp or 0)
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
            {"item_id": r.item_id, "name": r.item.name, "quantity": r.quantity}
            for r in achievement.reward_items_list
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
    unlocks = _unlocks(user)
    if unlocked is True:
        achievements = [a for a in catalog().achievements if a.id in unlocks]
    elif unlocked is False:
        achievements = [a for a in catalog().achievements if a.is_active and a.id not in unlocks]
    else:
        achievements = [a for a in catalog().achievements if a.is_active or a.id in unlocks]
    values = _trigger_values(user, {a.trigger for a in achievements if a.id not in unlocks})
    return [_item(a, unlocks.get(a.id), values, request) for a in achievements]


def achievement_recent_for_user(*, user, request=None, limit: int = RECENT_LIMIT) -> list[dict]:
    """The user's last `limit` unlocks, newest first."""
    rows = list(
        UserAchievement.objects.filter(user=user)
        .order_by("-unlocked_at", "-id")
        .values("achievement_id", "unlocked_at", "seen_at")[:limit]
    )
    by_id = {a.id: a for a in catalog().achievements}
    return [_item(by_id[r["achievement_id"]], r, {}, request) for r in rows if r["achievement_id"] in by_id]


def achievement_overview_for_user(*, user, request=None, closest: int = 3, recent: int = 5) -> dict:
    """For the dashboard: the `closest` locked, visible achievements nearest to
    unlocking (by progress ratio) and the `recent` latest unlocks. Four queries
    whatever the catalog size: unlocks, achievements + reward items, counters."""
    unlocks = _unlocks(user)
    achievements = [a for a in catalog().achievements if a.is_active or a.id in unlocks]
    locked = [a for a in achievements if a.id not in unlocks and not a.hidden]
    values = _trigger_values(user, {a.trigger for a in locked})
    locked.sort(key=lambda a: (-min(values.get(a.trigger, 0), a.threshold) / max(a.threshold, 1), a.threshold, a.id))
    by_id = {a.id: a for a in achievements}
    latest = sorted(unlocks.values(), key=lambda r: (r["unlocked_at"], r["achievement_id"]), reverse=True)[:recent]
    return {
        "next": [_item(a, None, values, request) for a in locked[:closest]],
        "recent": [_item(by_id[r["achievement_id"]], r, {}, request) for r in latest if r["achievement_id"] in by_id],
    }
