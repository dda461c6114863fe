"""Concurrent rewards on PostgreSQL with Redis: the marks each commit leaves, settled by the
reads, end with every board equal to the rows (SQLite ignores row locks; without Redis
there is no board to write)."""
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from apps.core.localday import local_date
from apps.core.testing import is_postgres, run_concurrently
from apps.progression.services import progress_grant
from apps.stats.boards import PERIODS, board_for, board_page_redis, board_page_sql, board_rebuild, redis_client

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL): the boards' sorted sets"),
]


@pytest.fixture
def players_and_boards(make_user):
    """Four players, and this week's, month's and all time's boards built (empty) in Redis."""
    players = [make_user(f"racer{i}") for i in range(4)]
    boards = [board_for(period, local_date(players[0])) for period in PERIODS]
    for board in boards:
        assert board_rebuild(board, client=redis_client())
    return players, boards


def test_concurrent_rewards_leave_every_redis_board_equal_to_the_rows(players_and_boards):
    players, boards = players_and_boards

    def grant(user_id, xp):
        return lambda: progress_grant(user=get_user_model().objects.get(pk=user_id), xp=xp, reason="race")

    calls = [grant(p.pk, 5 * (i + 1) + j) for i, p in enumerate(players) for j in range(5)]
    results = run_concurrently(*calls)
    assert not [r for r in results if isinstance(r, BaseException)], results

    expected = sorted((sum(5 * (i + 1) + j for j in range(5)) for i in range(4)), reverse=True)
    for board in boards:
        for player in players:
            from_redis = board_page_redis(board, user_id=player.pk, offset=0, limit=10)
            assert from_redis == board_page_sql(board, user_id=player.pk, offset=0, limit=10)
        assert [xp for _rank, _id, xp in from_redis.entries] == expected


def test_readers_settling_while_rewards_commit_leave_every_board_equal_to_the_rows(players_and_boards):
    players, boards = players_and_boards

    def grant_then_read(user_id, xp):
        def call():
            user = get_user_model().objects.get(pk=user_id)
            for _ in range(3):
                progress_grant(user=user, xp=xp, reason="race")
                for board in boards:  # each read settles whatever is marked at that moment
                    board_page_redis(board, user_id=user_id, offset=0, limit=10)

        return call

    results = run_concurrently(*(grant_then_read(p.pk, 7 * (i + 1)) for i, p in enumerate(players)))
    assert not [r for r in results if isinstance(r, BaseException)], results

    for board in boards:
        for player in players:
            assert board_page_redis(board, user_id=player.pk, offset=0, limit=10) == board_page_sql(
                board, user_id=player.pk, offset=0, limit=10
            )
        assert not redis_client().exists(board.marks_key)
