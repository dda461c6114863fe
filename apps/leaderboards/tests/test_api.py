"""`GET leaderboard/` as a player sees it, served from the database (the path without
Redis; with REDIS_URL set the global boards go through Redis and must agree)."""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.accounts.services import user_delete
from apps.progression.services import progress_grant

from .factories import befriend, earn

pytestmark = pytest.mark.django_db

URL = "/api/v1/leaderboard/"
# A Wednesday afternoon, UTC: the same date almost everywhere.
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


def client(user):
    c = APIClient()
    c.force_authenticate(user=user)
    return c


def board(user, **params):
    response = client(user).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def ranking(body):
    return [(e["rank"], e["user"]["username"], e["xp"]) for e in body["results"]]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_players_are_ranked_by_xp_and_equal_xp_goes_to_who_reached_it_first(make_user):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    earn(ann, TODAY, 100, at=NOW - timedelta(minutes=5))
    earn(bob, TODAY, 60, at=NOW - timedelta(hours=3))
    earn(bob, TODAY - timedelta(days=1), 40, at=NOW - timedelta(hours=2))  # reached 100 before ann
    earn(cid, TODAY, 50)

    body = board(ann, scope="global", period="week")

    assert ranking(body) == [(1, "bob", 100), (2, "ann", 100), (3, "cid", 50)]
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert body["me"] == {"rank": 2, "xp": 100}
    assert body["results"][0]["user"] == {
        "id": bob.pk,
        "username": "bob",
        "display_name": "",
        "avatar": "http://testserver/static/shop/defaults/avatar.png",
    }


def test_a_tie_reached_at_the_same_instant_goes_to_the_older_account(make_user):
    first, second = make_user("first"), make_user("second")
    earn(second, TODAY, 30, at=NOW)
    earn(first, TODAY, 30, at=NOW)
    assert ranking(board(second)) == [(1, "first", 30), (2, "second", 30)]


def test_the_time_a_total_was_reached_is_its_last_change_even_downwards(make_user):
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, TODAY, 50, at=NOW - timedelta(hours=5))
    earn(bob, TODAY, 80, at=NOW - timedelta(hours=4))
    earn(bob, TODAY, -30, at=NOW - timedelta(hours=1))  # a reopened task takes XP back
    assert ranking(board(ann)) == [(1, "ann", 50), (2, "bob", 50)]


def test_scope_and_period_default_to_the_global_week_and_an_empty_value_means_not_given(make_user):
    ann = make_user("ann")
    earn(ann, TODAY, 10)
    earn(ann, TODAY - timedelta(days=20), 5)
    assert board(ann) == board(ann, scope="", period="") == board(ann, scope="global", period="week")
    assert board(ann)["me"] == {"rank": 1, "xp": 10}


@pytest.mark.parametrize("params", [{"scope": "world"}, {"period": "year"}, {"period": "WEEK"}, {"page": "0"}])
def test_an_invalid_parameter_is_a_400_validation_error(make_user, params):
    response = client(make_user("ann")).get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_players_without_xp_in_the_period_are_not_ranked_and_me_says_so(make_user):
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    earn(bob, TODAY, 10)
    earn(cid, TODAY, 10, at=NOW - timedelta(hours=1))
    earn(cid, TODAY, -10)  # earned and taken back: a total of zero
    earn(ann, TODAY - timedelta(days=30), 500)  # not this week

    body = board(ann)
    assert ranking(body) == [(1, "bob", 10)]
    assert body["me"] == {"rank": None, "xp": 0}
    assert board(cid)["me"] == {"rank": None, "xp": 0}


def test_pages_and_my_place_far_down(make_user):
    players = [make_user(f"p{i:02d}") for i in range(25)]
    for i, player in enumerate(players):
        earn(player, TODAY, 1000 - i)  # p00 first, p24 last
    last = players[-1]

    first_page = board(last, page_size=10)
    assert first_page["count"] == 25
    assert [e["rank"] for e in first_page["results"]] == list(range(1, 11))
    assert first_page["me"] == {"rank": 25, "xp": 976}
    assert first_page["next"].endswith("page=2&page_size=10") and first_page["previous"] is None

    third = board(last, page_size=10, page=3)
    assert ranking(third) == [(21 + i, f"p{20 + i:02d}", 980 - i) for i in range(5)]
    assert third["next"] is None and "page=2" in third["previous"]
    assert third["me"] == {"rank": 25, "xp": 976}
    assert "page=" not in board(last, page_size=10, page=2)["previous"]

    past = client(last).get(URL, {"page_size": 10, "page": 4})
    assert past.status_code == 404 and past.json()["code"] == "not_found"
    assert client(last).get(URL, {"page": "99999999999999999999999"}).status_code == 404


def test_an_empty_board_has_an_empty_first_page(make_user):
    body = board(make_user("ann"), period="month")
    assert body == {"count": 0, "next": None, "previous": None, "results": [], "me": {"rank": None, "xp": 0}}


def test_the_week_starts_on_monday_of_the_callers_local_calendar(make_user):
    # Sunday 6 Dec 2026, 12:00 UTC: already Monday 7 Dec, 01:00 in Auckland (UTC+13).
    kiwi = make_user("kiwi", timezone="Pacific/Auckland")
    brit = make_user("brit", timezone="Europe/London")
    sunday, monday = date(2026, 12, 6), date(2026, 12, 7)
    earn(brit, sunday, 70)  # brit's Sunday: the week of 30 Nov
    earn(kiwi, monday, 20)  # kiwi's Monday: the week of 7 Dec
    earn(kiwi, sunday, 5)  # kiwi's last Sunday

    with time_machine.travel(datetime(2026, 12, 6, 12, 0, tzinfo=UTC), tick=False):
        kiwi_week, brit_week = board(kiwi), board(brit)
        kiwi_all = board(kiwi, period="all")

    assert ranking(kiwi_week) == [(1, "kiwi", 20)]
    assert kiwi_week["me"] == {"rank": 1, "xp": 20}
    # Each player's XP counts on their own dates: brit's week is the one ending on Sunday.
    assert ranking(brit_week) == [(1, "brit", 70), (2, "kiwi", 5)]
    assert brit_week["me"] == {"rank": 1, "xp": 70}
    assert ranking(kiwi_all) == [(1, "brit", 70), (2, "kiwi", 25)]


def test_a_day_start_hour_keeps_the_small_hours_in_the_previous_week(make_user):
    # Monday 7 Dec 2026 03:00 in New York with days starting at 04:00: still Sunday.
    owl = make_user("owl", timezone="America/New_York", day_start_hour=4)
    earn(owl, date(2026, 12, 6), 40)
    earn(owl, date(2026, 12, 7), 3)
    with time_machine.travel(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), tick=False):
        assert board(owl)["me"] == {"rank": 1, "xp": 40}
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=UTC), tick=False):
        assert board(owl)["me"] == {"rank": 1, "xp": 3}


def test_the_month_is_the_callers_local_month(make_user):
    # Monday 30 Nov 2026, 12:00 UTC: already 1 Dec, 01:00 in Auckland.
    kiwi = make_user("kiwi", timezone="Pacific/Auckland")
    utc = make_user("utc")
    earn(kiwi, date(2026, 11, 30), 11)
    earn(kiwi, date(2026, 12, 1), 7)
    earn(utc, date(2026, 11, 2), 9)
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=UTC), tick=False):
        assert ranking(board(kiwi, period="month")) == [(1, "kiwi", 7)]
        assert ranking(board(utc, period="month")) == [(1, "kiwi", 11), (2, "utc", 9)]
        # kiwi's week began on Monday 30 Nov; utc's too.
        assert ranking(board(utc, period="week")) == [(1, "kiwi", 18)]


def test_the_friends_board_ranks_me_among_my_friends_only(make_user):
    me, pal, mate, stranger, idle = (make_user(n) for n in ("me", "pal", "mate", "stranger", "idle"))
    befriend(me, pal)
    befriend(me, mate)
    befriend(me, idle)
    befriend(pal, stranger)  # a friend's friend is not mine
    earn(stranger, TODAY, 900)
    earn(pal, TODAY, 30)
    earn(mate, TODAY, 50)
    earn(me, TODAY, 40)

    body = board(me, scope="friends")
    assert ranking(body) == [(1, "mate", 50), (2, "me", 40), (3, "pal", 30)]
    assert body["count"] == 3 and body["me"] == {"rank": 2, "xp": 40}
    assert board(me, scope="global")["me"] == {"rank": 3, "xp": 40}
    assert ranking(board(stranger, scope="friends")) == [(1, "stranger", 900), (2, "pal", 30)]


def test_the_all_time_board_counts_every_day(make_user):
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, date(2025, 1, 1), 300)
    earn(ann, TODAY, 1)
    earn(bob, TODAY, 200)
    body = board(bob, period="all")
    assert ranking(body) == [(1, "ann", 301), (2, "bob", 200)]
    assert body["me"] == {"rank": 2, "xp": 200}


def test_xp_from_the_reward_path_is_on_the_board_and_spending_none_takes_it_off(make_user):
    ann, bob = make_user("ann"), make_user("bob")
    progress_grant(user=ann, xp=70, reason="admin")
    progress_grant(user=bob, xp=20, coins=5, reason="admin")
    progress_grant(user=bob, coins=-5, reason="admin")  # no XP change: the tie-break time stays
    assert ranking(board(ann)) == [(1, "ann", 70), (2, "bob", 20)]


def test_a_deleted_account_leaves_the_boards(make_user, django_capture_on_commit_callbacks, settings):
    # Every read afresh: a page shared before the deletion lasts until it expires (test_page_cache.py).
    settings.LEADERBOARD_PAGE_TTL_SECONDS = 0
    ann, bob = make_user("ann"), make_user("bob")
    earn(ann, TODAY, 10)
    earn(bob, TODAY, 20)
    assert board(ann)["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=bob, password="s3cret-Passw0rd!")
    body = board(ann)
    assert ranking(body) == [(1, "ann", 10)] and body["count"] == 1


def test_an_equipped_avatar_is_shown(make_user):
    from apps.inventory.services import inventory_grant
    from apps.shop.models import Item
    from apps.shop.services import inventory_equip

    ann = make_user("ann")
    item = Item.objects.create(name="Fox", type="avatar", price_coins=1, image="items/fox.png")
    row = inventory_grant(user_id=ann.pk, item_id=item.pk, quantity=1, reason="test")
    inventory_equip(user=ann, inventory_item_id=row.pk)
    earn(ann, TODAY, 10)
    assert board(ann)["results"][0]["user"]["avatar"] == "http://testserver/media/items/fox.png"


@pytest.mark.parametrize("scope", ["global", "friends"])
def test_queries_do_not_grow_with_the_number_of_players(make_user, django_assert_max_num_queries, scope):
    def players(n):
        me = make_user(f"me{n}")
        for i in range(n):
            other = make_user(f"x{n}_{i}")
            earn(other, TODAY, 10 + i)
            befriend(me, other)
        earn(me, TODAY, 5)
        return client(me)

    few, many = players(5), players(50)
    few.get(URL, {"scope": scope})  # warm per-process caches (static paths)
    # friends: the friend ids; SQL: count, page, my total, those ahead; the players.
    budget = 6 if scope == "friends" else 5
    for c in (few, many):
        with django_assert_max_num_queries(budget):
            body = c.get(URL, {"scope": scope, "page_size": 100}).json()
        assert len(body["results"]) == body["count"]
