"""The leaderboards as the API shows them: which board a player asks for, and who is on it.

The boards themselves (the SQL aggregate over the daily rows, the Redis sorted sets)
live in apps/stats/boards.py, next to the rows they are built from.
"""
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

from apps.core.localday import local_date
from apps.friends.selectors import friend_ids
from apps.inventory.models import InventoryItem, ItemType
from apps.shop.images import default_image_url
from apps.shop.models import Item
from apps.stats.boards import BoardPage, board_for, board_page_redis, board_page_sql

FRIENDS, GLOBAL = "friends", "global"
SCOPES = (FRIENDS, GLOBAL)

User = get_user_model()


def leaderboard_page(*, user, scope: str, period: str, offset: int, limit: int) -> BoardPage:
    """A page of the board `period` of the caller's current local week or month (or all
    time), and the caller's own place on it. `friends`: the caller and their friends,
    ranked among themselves (a short list: SQL); `global`: everyone (Redis when there is
    Redis and its board answers, else SQL)."""
    board = board_for(period, local_date(user))
    if scope == FRIENDS:
        ids = [user.pk, *friend_ids(user.pk)]
        return board_page_sql(board, user_id=user.pk, offset=offset, limit=limit, user_ids=ids)
    page = board_page_redis(board, user_id=user.pk, offset=offset, limit=limit)
    if page is None:
        page = board_page_sql(board, user_id=user.pk, offset=offset, limit=limit)
    return page


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
