"""The composed player profile (`me/`, `users/`, `dashboard/`), in a fixed number of queries.

Users with `select_related("wallet", "streak")`, plus one query for equipped items and
streak freezes and one for active boosts, whatever the number of users.
"""
from collections import defaultdict

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q

from apps.achievements.selectors import achievement_overview_for_user
from apps.boosts.selectors import active_boosts_for_user
from apps.core.localday import local_date
from apps.habits.selectors import habits_due_today
from apps.inventory.models import InventoryItem, ItemType
from apps.notifications.selectors import unread_count
from apps.shop.images import default_image_url, item_image_url
from apps.streaks.models import Streak
from apps.streaks.rules import streak_on
from apps.streaks.selectors import next_milestone
from apps.tasks.selectors import task_counts_for_user
from apps.wallet.levels import level_progress
from apps.wallet.models import Wallet

SLOTS = (ItemType.AVATAR, ItemType.ICON, ItemType.BACKGROUND)


def _related_or_none(user, name):
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:  # RelatedObjectDoesNotExist: a user created outside register (e.g. createsuperuser)
        return None


def _profile_rows():
    """Equipped cosmetics and held streak freezes: what a profile shows of the inventory."""
    return InventoryItem.objects.filter(
        Q(equipped=True) | Q(item__type=ItemType.STREAK_FREEZE, quantity__gt=0)
    ).select_related("item")


def profile_inventory_prefetch() -> Prefetch:
    """One query for any number of users."""
    return Prefetch("inventory", queryset=_profile_rows(), to_attr="profile_inventory")


def public_users_queryset(qs):
    return qs.select_related("wallet", "streak").prefetch_related(profile_inventory_prefetch())


def _inventory_bits(rows, request):
    images = {}
    freezes = 0
    for row in rows:
        if row.equipped and row.item.type in SLOTS:
            images[row.item.type] = item_image_url(row.item, request)
        if row.item.type == ItemType.STREAK_FREEZE:
            freezes += row.quantity - row.locked_quantity
    for slot in SLOTS:
        images.setdefault(slot, default_image_url(slot, request))
    return images, freezes


def _load_inventory(users):
    missing = [u for u in users if not hasattr(u, "profile_inventory")]
    if missing:
        by_user = defaultdict(list)
        for row in _profile_rows().filter(user__in=missing):
            by_user[row.user_id].append(row)
        for user in missing:
            user.profile_inventory = by_user[user.pk]


def public_profiles(users, request) -> list[dict]:
    users = list(users)
    _load_inventory(users)
    out = []
    for user in users:
        images, freezes = _inventory_bits(user.profile_inventory, request)
        wallet = _related_or_none(user, "wallet")
        streak = _related_or_none(user, "streak")
        out.append(
            {
                "id": user.pk,
                "username": user.username,
                "display_name": user.display_name,
                "level": level_progress(wallet.xp if wallet else 0)["level"],
                "avatar": images[ItemType.AVATAR],
                "icon": images[ItemType.ICON],
                "background": images[ItemType.BACKGROUND],
                "streak_current": streak_on(streak, today=local_date(user), freezes_held=freezes),
            }
        )
    return out


def active_boosts_list(*, user, now=None) -> list[dict]:
    """Boosts applying now (expiry is by time alone)."""
    return [
        {"type": b.type, "multiplier": float(b.multiplier), "expires_at": b.expires_at}
        for b in active_boosts_for_user(user_id=user.pk, now=now)
    ]


def my_profile(user, request, *, streak=None) -> dict:
    """Everything `me/` shows, in 4 queries (the wallet, the streak unless given, the
    equipped items and freezes, the active boosts)."""
    wallet = Wallet.objects.filter(user_id=user.pk).first()
    streak = streak or Streak.objects.filter(user_id=user.pk).first()
    images, freezes = _inventory_bits(_profile_rows().filter(user_id=user.pk), request)
    xp = wallet.xp if wallet else 0
    progress = level_progress(xp)
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "timezone": user.timezone,
        "day_start_hour": user.day_start_hour,
        "level": progress["level"],
        "xp": xp,
        "xp_into_level": progress["xp_into_level"],
        "xp_for_next_level": progress["xp_for_next_level"],
        "coins": wallet.coins if wallet else 0,
        "crystals": wallet.crystals if wallet else 0,
        "streak": {
            "current": streak_on(streak, today=local_date(user), freezes_held=freezes),
            "longest": streak.longest if streak else 0,
            "freezes": freezes,
        },
        "avatar": images[ItemType.AVATAR],
        "icon": images[ItemType.ICON],
        "background": images[ItemType.BACKGROUND],
        "active_boosts": active_boosts_list(user=user),
    }


def dashboard_for_user(user, request) -> dict:
    """`dashboard/`: the home screen in a fixed number of queries, whatever the number of
    tasks, achievements or items."""
    streak = Streak.objects.filter(user_id=user.pk).first()
    profile = my_profile(user, request, streak=streak)
    current = profile["streak"]["current"]
    achievements = achievement_overview_for_user(user=user, request=request)
    return {
        "profile": profile,
        "streak": {
            "current": current,
            "longest": streak.longest if streak else 0,
            "last_active_date": streak.last_active_date if streak else None,
            "freezes": profile["streak"]["freezes"],
            "next_milestone": next_milestone(user_id=user.pk, current=current),
        },
        "active_boosts": profile["active_boosts"],
        "next_achievements": achievements["next"],
        "recent_achievements": achievements["recent"],
        "tasks": task_counts_for_user(user=user, today=local_date(user)),
        "habits_due_today": habits_due_today(user=user, today=local_date(user)),
        "unread_notifications": unread_count(user_id=user.pk),
    }
