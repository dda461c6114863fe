"""The statement of the unlocks table the ORM cannot say: insert what is new, return it."""
from django.db import connection
from django.utils import timezone

from .models import UserAchievement


def unlocks_insert(*, user_id: int, achievement_ids: list[int]) -> set[int]:
    """Insert an unlock of each achievement the user does not have yet; the ids inserted
    now. The unique constraint (user, achievement) makes each unlock happen once, even
    when two transactions try at the same time."""
    if not achievement_ids:
        return set()
    q = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = ", ".join(["(%s, %s, %s)"] * len(achievement_ids))
    sql = (
        f"INSERT INTO {q(UserAchievement._meta.db_table)} ({q('user_id')}, {q('achievement_id')}, {q('unlocked_at')}) "
        f"VALUES {values} ON CONFLICT ({q('user_id')}, {q('achievement_id')}) DO NOTHING RETURNING {q('achievement_id')}"
    )
    params = [p for achievement_id in sorted(achievement_ids) for p in (user_id, achievement_id, now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
