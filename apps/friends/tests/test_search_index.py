"""`users/?search=` at 100,000 players on PostgreSQL: the prefix is an index range scan."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from apps.core.testing import is_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(not is_postgres(), reason="the index and its operator class are PostgreSQL's"),
]


def test_a_username_prefix_search_over_100k_players_uses_the_prefix_index(make_user):
    viewer = make_user("viewer")
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
            "date_joined, display_name, bio, timezone, day_start_hour) "
            "SELECT '', false, 'Player' || n, '', '', 'p' || n || '@example.com', false, true, now(), '', '', 'UTC', 0 "
            "FROM generate_series(1, 100000) AS n"
        )
        cursor.execute(f"ANALYZE {table}")
    users = get_user_model().objects.filter(is_active=True).exclude(pk=viewer.pk)
    page = users.filter(username__istartswith="pLaYeR4242").order_by("username", "id")

    for plan in (page[:20].explain(), page.explain()):
        assert "user_username_upper_prefix_idx" in plan, plan
    assert page.count() == 11  # Player4242 and Player42420..42429

