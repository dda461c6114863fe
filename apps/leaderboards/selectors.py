"""The leaderboards as the API shows them: which board a player asks for, and who is on it.

The boards themselves (the SQL aggregate over the daily rows, the Redis sorted sets)
live in apps/stats/boards.py, next to the rows they are built from.

A global board's page is the same for every caller (of one host), so it is kept in the
cache and shared for LEADERBOARD_PAGE_TTL_SECONDS; the caller's own place (`me`) is read on
every request. Expiry is the page's only invalidation (docs/decisions.md, "Leaderboards").
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import OuterRef, Subquery

from apps.core.localday import local_date
from apps.friends.selectors import friend_ids
from apps.inventory.models import InventoryItem, ItemType
from apps.shop.images import default_image_url
from apps.shop.models import Item
from apps.stats.boards import (
    Board,
    BoardPage,
    board_for,
    board_page_redis,
    board_page_sql,
    board_place_redis,
    board_place_sql,
)

FRIENDS, GLOBAL = "friends", "global"
SCOPES = (FRIENDS, GLOBAL)

User = get_user_model()


def leaderboard_page(*, user, scope: str, period: str, offset: int, limit: int, request) -> dict:
    """`{count, results [{rank, user {id, username, display_name, avatar}, xp}], me {rank, xp}}`:
    a page of the board `period` of the caller's current local week or month (or all time),
    and the caller's own place on it. `friends`: the caller and their friends, ranked among
    themselves (a short list of the caller's own: SQL, read each time); `global`: everyone
    (Redis when there is Redis and its board answers, else SQL), the page shared a few seconds."""
    board = board_for(period, local_date(user))
    if scope == FRIENDS:
        ids = [user.pk, *friend_ids(user.pk)]
        page = board_page_sql(board, user_id=user.pk, offset=offset, limit=limit, user_ids=ids)
        shown, (rank, xp) = _shown(page, request), (page.me_rank, page.me_xp)
    else:
        shown, (rank, xp) = _global_page(board, user_id=user.pk, offset=offset, limit=limit, request=request)
    return {**shown, "me": {"rank": rank, "xp": xp}}


def _global_page(board: Board, *, user_id: int, offset: int, limit: int, request) -> tuple[dict, tuple[int | None, int]]:
    """The page (shared: from the cache when another caller read it in the last few seconds)
    and the caller's place (always read)."""
    ttl = settings.LEADERBOARD_PAGE_TTL_SECONDS
    # The site root is in the key because avatars are absolute URLs on the host asked;
    # "1" is the shape of the entry: processes of two releases never read each other's.
    key = f"lbp1:{board.key}:{offset}:{limit}:{request.build_absolute_uri('/')}"
    shown = cache.get(key) if ttl > 0 else None
    if shown is not None:
        place = board_place_redis(board, user_id=user_id)
        if place is None:
            place = board_place_sql(board, user_id=user_id)
        return shown, place
    page = board_page_redis(board, user_id=user_id, offset=offset, limit=limit)
    if page is None:
        page = board_page_sql(board, user_id=user_id, offset=offset, limit=limit)
    shown = _shown(page, request)
    if ttl > 0:
        cache.set(key, shown, ttl)
    return shown, (page.me_rank, page.me_xp)


def _shown(page: BoardPage, request) -> dict:
    """`{count, results}` of the page as plain data."""
    users = leaderboard_users([user_id for _rank, user_id, _xp in page.entries], request)
    return {
        "count": page.count,
        "results": [
            {"rank": rank, "user": users[user_id], "xp": xp}
            for rank, user_id, xp in page.entries
            if user_id in users  # an account deleted since the board was read
        ],
    }


def leaderboard_users(user_ids, request) -> dict[int, dict]:
    """{id: {id, username, display_name, avatar}} of these players: one query (the equipped
    avatar's image by a subquery), whatever their number."""
    equipped_avatar = InventoryItem.objects.filter(user=OuterRef("pk"), equipped=True, slot=ItemType.AVATAR)
    rows = (
        User.objects.filter(pk__in=list(user_ids))
        .annotate(avatar_image=Subquery(equipped_avatar.values("item__image")[:1]))
        .values("id", "username", "display_name", "avatar_image")
    )
    storage = Item._meta.get_field("image").storage
    default = default_image_url(ItemType.AVATAR, request)
    users = {}
    for row in rows:
        image = row.pop("avatar_image")
        row["avatar"] = request.build_absolute_uri(storage.url(image)) if image else default
        users[row["id"]] = row
    return users
