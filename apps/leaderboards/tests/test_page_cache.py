"""A global board's page is shared by every caller for LEADERBOARD_PAGE_TTL_SECONDS; the
caller's own place (`me`) is read on every request; the friends board is never shared.
(With REDIS_URL the page sits in Redis and `me` comes from the sorted set; without it,
in the in-process cache and from SQL.)"""
import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.core.localday import local_date
from apps.progression.services import progress_grant
from apps.stats.boards import redis_client

from .factories import befriend, earn

pytestmark = pytest.mark.django_db

URL = "/api/v1/leaderboard/"
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()


def read(user, host="testserver", **params):
    c = APIClient()
    c.force_authenticate(user=user)
    response = c.get(URL, params, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    return response.json()


def ranking(body):
    return [(e["rank"], e["user"]["username"], e["xp"]) for e in body["results"]]


def grant(user, xp, capture):
    """XP through the reward path, committed (with Redis the player is marked on the boards)."""
    with capture(execute=True):
        progress_grant(user=user, xp=xp, reason="admin")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.usefixtures("frozen")
def test_a_second_read_within_the_ttl_reads_only_the_callers_place(make_user, django_assert_num_queries):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    earn(ann, TODAY, 30)
    earn(bob, TODAY, 20)
    earn(cid, TODAY, 10)
    first = read(ann)

    # Redis: the place is one Lua call, no query. SQL: the caller's total, then those ahead.
    # Neither counts the board, reads its page or looks up its players.
    with django_assert_num_queries(0 if redis_client() else 2) as captured:
        second = read(cid)

    assert second["results"] == first["results"] and second["count"] == first["count"] == 3
    assert second["me"] == {"rank": 3, "xp": 10}
    user_table = get_user_model()._meta.db_table
    assert not [q["sql"] for q in captured.captured_queries if user_table in q["sql"]]


@pytest.mark.usefixtures("frozen")
def test_my_own_place_is_current_while_the_page_is_shared(make_user, django_capture_on_commit_callbacks):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    earn(ann, TODAY, 10)
    earn(bob, TODAY, 20)
    assert ranking(read(bob)) == [(1, "bob", 20), (2, "ann", 10)]

    grant(ann, 30, django_capture_on_commit_callbacks)
    grant(cid, 5, django_capture_on_commit_callbacks)  # a first XP of the week

    ann_view, cid_view = read(ann), read(cid)
    assert ann_view["me"] == {"rank": 1, "xp": 40}
    assert cid_view["me"] == {"rank": 3, "xp": 5}
    # The page is the one shared a moment ago, until it expires.
    assert ranking(ann_view) == ranking(cid_view) == [(1, "bob", 20), (2, "ann", 10)]
    assert ann_view["count"] == 2


@pytest.mark.usefixtures("frozen")
def test_each_scope_period_page_and_page_size_has_its_own_page(make_user):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    befriend(ann, bob)
    earn(ann, TODAY, 10)
    earn(ann, date(2026, 12, 1), 50)  # this month, last week
    earn(bob, TODAY, 20)
    earn(cid, TODAY, 5)
    earn(cid, date(2026, 11, 15), 100)  # last month

    week = [(1, "bob", 20), (2, "ann", 10), (3, "cid", 5)]
    assert ranking(read(ann)) == week  # shared from here on
    assert ranking(read(ann, period="month")) == [(1, "ann", 60), (2, "bob", 20), (3, "cid", 5)]
    assert ranking(read(ann, period="all")) == [(1, "cid", 105), (2, "ann", 60), (3, "bob", 20)]
    assert ranking(read(ann, page_size=2)) == week[:2]
    assert ranking(read(ann, page_size=2, page=2)) == week[2:]
    friends = read(ann, scope="friends")
    assert ranking(friends) == [(1, "bob", 20), (2, "ann", 10)] and friends["count"] == 2
    # Read again, each from its own shared page.
    assert ranking(read(cid, page_size=2, page=2)) == week[2:]
    assert ranking(read(cid, period="all"))[0] == (1, "cid", 105)
    assert ranking(read(cid)) == week


def test_callers_in_different_local_weeks_do_not_share_a_page(make_user):
    # Sunday 6 Dec 2026, 12:00 UTC: already Monday 7 Dec in Auckland, still Sunday in London.
    kiwi = make_user("kiwi", timezone="Pacific/Auckland")
    brit = make_user("brit", timezone="Europe/London")
    earn(brit, date(2026, 12, 6), 70)
    earn(kiwi, date(2026, 12, 7), 20)
    with time_machine.travel(datetime(2026, 12, 6, 12, 0, tzinfo=UTC), tick=False):
        assert ranking(read(brit)) == [(1, "brit", 70)]
        assert ranking(read(kiwi)) == [(1, "kiwi", 20)]


@pytest.mark.usefixtures("frozen")
def test_a_shared_page_shows_each_caller_the_host_it_asked(make_user):
    ann = make_user("ann")
    earn(ann, TODAY, 10)
    assert read(ann)["results"][0]["user"]["avatar"] == "http://testserver/static/shop/defaults/avatar.png"
    assert read(ann, host="localhost")["results"][0]["user"]["avatar"] == "http://localhost/static/shop/defaults/avatar.png"


@pytest.mark.usefixtures("frozen")
def test_the_friends_board_is_read_afresh_every_time(make_user, django_capture_on_commit_callbacks):
    ann, bob = make_user("ann"), make_user("bob")
    befriend(ann, bob)
    earn(ann, TODAY, 10)
    assert ranking(read(ann, scope="friends")) == [(1, "ann", 10)]
    grant(bob, 25, django_capture_on_commit_callbacks)
    assert ranking(read(ann, scope="friends")) == [(1, "bob", 25), (2, "ann", 10)]


def test_after_the_ttl_the_page_is_read_again(make_user, django_capture_on_commit_callbacks, settings):
    # Real time (Redis expires keys by its own clock); the all-time board has no calendar edge.
    settings.LEADERBOARD_PAGE_TTL_SECONDS = 1
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, local_date(ann), 10)
    earn(bob, local_date(bob), 20)
    assert ranking(read(ann, period="all")) == [(1, "bob", 20), (2, "ann", 10)]
    grant(ann, 30, django_capture_on_commit_callbacks)
    assert ranking(read(bob, period="all")) == [(1, "bob", 20), (2, "ann", 10)]  # still shared

    time.sleep(1.2)

    assert ranking(read(bob, period="all")) == [(1, "ann", 40), (2, "bob", 20)]


@pytest.mark.usefixtures("frozen")
def test_a_ttl_of_zero_reads_every_page(make_user, django_capture_on_commit_callbacks, settings):
    settings.LEADERBOARD_PAGE_TTL_SECONDS = 0
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, TODAY, 10)
    earn(bob, TODAY, 20)
    assert ranking(read(ann)) == [(1, "bob", 20), (2, "ann", 10)]
    grant(ann, 30, django_capture_on_commit_callbacks)
    assert ranking(read(bob)) == [(1, "ann", 40), (2, "bob", 20)]
