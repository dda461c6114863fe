"""The Redis boards (apps/stats/boards.py): built from the daily rows, kept up to date
after commit, the same order as the SQL answer, and rebuilt after a flush."""
import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.services import user_delete
from apps.progression.services import progress_grant
from apps.stats import boards
from apps.stats.boards import (
    board_for,
    board_page_redis,
    board_page_sql,
    board_place_redis,
    board_place_sql,
    board_rebuild,
    redis_client,
)

from .factories import earn

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL): the boards' sorted sets"),
]

NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
WEEK = board_for("week", TODAY)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def redis():
    return redis_client()


def get(user, **params):
    c = APIClient()
    c.force_authenticate(user=user)
    response = c.get("/api/v1/leaderboard/", params)
    assert response.status_code == 200, response.content
    return response.json()


def whole(board, user_id, read):
    """Every page of the board, 7 at a time, and the asker's place."""
    entries, offset = [], 0
    while True:
        page = read(board, user_id=user_id, offset=offset, limit=7)
        entries += page.entries
        offset += 7
        if offset >= page.count:
            return entries, page.count, (page.me_rank, page.me_xp)


def test_sql_and_redis_give_the_same_board_with_ties_and_non_positive_totals(make_user, redis):
    rng = random.Random(7)
    players = [make_user(f"p{i}") for i in range(40)]
    instants = [NOW - timedelta(hours=h) for h in (1, 2, 3)]  # few instants: exact ties
    monday = WEEK.first
    for player in players:
        for _ in range(rng.randint(1, 3)):
            earn(player, monday + timedelta(days=rng.randint(0, 6)), rng.choice([-10, 10, 20, 30]), at=rng.choice(instants))
    earn(players[0], monday - timedelta(days=1), 500)  # last week: only on the month and all-time boards

    for period in ("week", "month", "all"):
        board = board_for(period, TODAY)
        assert board_rebuild(board, client=redis)
        for player in players:
            from_sql = whole(board, player.pk, board_page_sql)
            from_redis = whole(board, player.pk, board_page_redis)
            assert from_redis == from_sql
            # The place alone (a shared page's caller): the same as with a page.
            assert board_place_redis(board, user_id=player.pk) == board_place_sql(board, user_id=player.pk) == from_sql[2]
        ranked = [xp for _rank, _id, xp in from_sql[0]]
        assert ranked == sorted(ranked, reverse=True) and all(xp > 0 for xp in ranked)
    assert from_sql[1] > 20


def test_a_board_missing_from_redis_is_rebuilt_by_the_first_read(make_user, redis):
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, TODAY, 10)
    earn(bob, TODAY, 20)
    before = get(ann)
    assert redis.exists(WEEK.key, WEEK.index_key) == 2

    redis.flushdb()
    assert redis.exists(WEEK.key) == 0
    assert get(ann) == before
    assert redis.zcard(WEEK.key) == 2


def test_the_rebuild_command_gives_the_same_boards_after_a_flush(make_user, redis):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    earn(ann, TODAY, 10, at=NOW - timedelta(hours=1))
    earn(bob, TODAY, 10, at=NOW - timedelta(hours=2))
    earn(cid, date(2026, 1, 5), 99)
    before = {period: get(ann, period=period) for period in ("week", "month", "all")}
    contents = {key: redis.zrange(key, 0, -1, withscores=True) for key in (WEEK.key, "lb:m:2026-12", "lb:a")}

    redis.flushdb()
    call_command("leaderboard_rebuild", stdout=open("/dev/null", "w"))

    assert {key: redis.zrange(key, 0, -1, withscores=True) for key in contents} == contents
    assert redis.ttl("lb:a") == -1 and 0 < redis.ttl(WEEK.key) <= 8 * 86400  # a week's board expires
    assert {period: get(ann, period=period) for period in before} == before
    assert [e["user"]["username"] for e in before["week"]["results"]] == ["bob", "ann"]


def test_xp_earned_marks_the_player_at_commit_and_the_next_read_writes_their_total(
    make_user, redis, django_capture_on_commit_callbacks
):
    ann, bob = make_user("ann"), make_user("bob")
    earn(bob, TODAY, 30)
    built = [board_for(period, TODAY) for period in ("week", "month", "all")]
    for board in built:
        board_rebuild(board, client=redis)

    with django_capture_on_commit_callbacks(execute=True):
        progress_grant(user=ann, xp=25, reason="admin")
        progress_grant(user=ann, xp=25, reason="admin")
        assert not redis.exists(WEEK.marks_key)  # nothing before the commit

    # Both grants commit with the test's transaction: one mark; no total written yet.
    for board in built:
        assert redis.hgetall(board.marks_key) == {str(ann.pk).encode(): b"1"}
        assert redis.zcard(board.key) == 1
    for board in built:
        body = get(bob, period=board.period)
        assert [(e["user"]["username"], e["xp"]) for e in body["results"]] == [("ann", 50), ("bob", 30)]
        assert body["me"] == {"rank": 2, "xp": 30}
        assert [(boards._member_user_id(m), s) for m, s in redis.zrevrange(board.key, 0, -1, withscores=True)] == [
            (ann.pk, 50.0),
            (bob.pk, 30.0),
        ]
        assert not redis.exists(board.marks_key)


def test_a_mark_raised_while_a_read_settles_stays_for_the_next_read(make_user, redis, monkeypatch):
    ann = make_user("ann")
    board_rebuild(WEEK, client=redis)
    earn(ann, TODAY, 10)
    mark = boards._Mark(ann.pk)  # what board_touch runs when the reward commits
    mark.days.add(TODAY)
    mark()
    real_totals = boards.board_totals

    def totals_then_a_commit(board, *, user_ids=None):
        rows = list(real_totals(board, user_ids=user_ids))
        earn(ann, TODAY, 5)  # read; then another reward commits and marks ann again
        mark()
        return rows

    monkeypatch.setattr(boards, "board_totals", totals_then_a_commit)
    assert board_page_redis(WEEK, user_id=ann.pk, offset=0, limit=5).me_xp == 10
    assert redis.hget(WEEK.marks_key, ann.pk) == b"2"
    monkeypatch.setattr(boards, "board_totals", real_totals)
    assert board_page_redis(WEEK, user_id=ann.pk, offset=0, limit=5).me_xp == 15
    assert not redis.exists(WEEK.marks_key)


def test_many_marked_players_are_settled_in_chunks(make_user, redis):
    players = [make_user(f"p{i}") for i in range(5)]
    board_rebuild(WEEK, client=redis)
    for i, player in enumerate(players):
        earn(player, TODAY, 10 * (i + 1))
        mark = boards._Mark(player.pk)
        mark.days.add(TODAY)
        mark()
    boards._settle(redis, WEEK, _flat(redis.hgetall(WEEK.marks_key)), chunk=2)
    assert {boards._member_user_id(m): s for m, s in redis.zrange(WEEK.key, 0, -1, withscores=True)} == {
        player.pk: 10.0 * (i + 1) for i, player in enumerate(players)
    }
    assert not redis.exists(WEEK.marks_key)


def _flat(mapping: dict) -> list:
    """HGETALL's reply as the read script returns it: key, value, key, value..."""
    return [v for pair in mapping.items() for v in pair]


def test_nothing_is_written_to_a_board_that_was_never_built(make_user, redis, django_capture_on_commit_callbacks):
    ann = make_user("ann")
    with django_capture_on_commit_callbacks(execute=True):
        progress_grant(user=ann, xp=5, reason="admin")
    assert redis.exists(WEEK.key, WEEK.index_key) == 0  # the first read builds it whole
    assert get(ann)["me"] == {"rank": 1, "xp": 5}


def test_a_late_write_of_an_older_total_does_not_replace_a_newer_one(make_user, redis):
    ann = make_user("ann")
    board_rebuild(WEEK, client=redis)
    boards._write(redis, WEEK, [{"user_id": ann.pk, "xp": 40, "reached": NOW}])
    boards._write(redis, WEEK, [{"user_id": ann.pk, "xp": 30, "reached": NOW - timedelta(seconds=1)}])
    assert board_page_redis(WEEK, user_id=ann.pk, offset=0, limit=5).me_xp == 40
    boards._write(redis, WEEK, [{"user_id": ann.pk, "xp": 45, "reached": NOW + timedelta(seconds=1)}])
    page = board_page_redis(WEEK, user_id=ann.pk, offset=0, limit=5)
    assert (page.count, page.me_rank, page.me_xp) == (1, 1, 45)
    assert redis.zcard(WEEK.key) == 1


def test_a_deleted_account_is_taken_off_every_redis_board(make_user, redis, django_capture_on_commit_callbacks):
    ann, bob = make_user("ann"), make_user("bob")
    earn(bob, TODAY, 20)
    earn(bob, date(2026, 3, 4), 20)  # an old week and month, built below too
    earn(ann, TODAY, 10)
    old_week, old_month = board_for("week", date(2026, 3, 4)), board_for("month", date(2026, 3, 4))
    for board in (WEEK, old_week, old_month, board_for("all", TODAY)):
        board_rebuild(board, client=redis)

    bob_id = bob.pk
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=bob, password="s3cret-Passw0rd!")

    for board in (WEEK, old_week, old_month, board_for("all", TODAY)):
        assert redis.exists(board.index_key) and not redis.hexists(board.index_key, bob_id)
        assert all(boards._member_user_id(m) != bob_id for m in redis.zrange(board.key, 0, -1))
    assert get(ann)["count"] == 1


def test_while_another_process_builds_the_board_the_database_answers(make_user, redis):
    ann = make_user("ann")
    earn(ann, TODAY, 10)
    redis.set(f"{WEEK.key}:lock", "someone", ex=60)
    assert board_page_redis(WEEK, user_id=ann.pk, offset=0, limit=5) is None
    assert get(ann)["me"] == {"rank": 1, "xp": 10}
    assert redis.exists(WEEK.index_key) == 0


def test_a_rebuild_writes_again_the_players_whose_rows_changed_while_it_read(make_user, redis, monkeypatch):
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, TODAY, 10)
    real_totals = boards.board_totals

    class Snapshot(list):
        def iterator(self, chunk_size):
            return iter(self)

    def totals_then_a_commit(board, *, user_ids=None):
        if user_ids is not None:
            return real_totals(board, user_ids=user_ids)
        rows = Snapshot(real_totals(board))
        earn(bob, TODAY, 70)  # the snapshot is read; then bob's reward commits (no board yet)
        return rows

    monkeypatch.setattr(boards, "board_totals", totals_then_a_commit)
    assert board_rebuild(WEEK, client=redis)
    page = board_page_redis(WEEK, user_id=bob.pk, offset=0, limit=5)
    assert [(user_id, xp) for _rank, user_id, xp in page.entries] == [(bob.pk, 70), (ann.pk, 10)]
