from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.progression.services import progress_grant
from apps.progression.tests.factories import complete_task
from apps.stats.selectors import CONTRACT_COUNTERS
from conftest import client_for

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


def get(user, path, when=NOW):
    with time_machine.travel(when, tick=False):
        return client_for(user).get(path)


def test_stats_lists_every_contract_counter(user):
    r = client_for(user).get("/api/v1/stats/")
    assert r.status_code == 200
    assert r.json() == dict.fromkeys(CONTRACT_COUNTERS, 0)


def test_stats_count_what_happened(user):
    complete_task(user, xp=10, coins=3)
    complete_task(user, xp=10, coins=3)
    progress_grant(user=user, coins=-4, reason="spend")
    body = client_for(user).get("/api/v1/stats/").json()
    assert (body["tasks_completed"], body["xp_earned"], body["coins_earned"], body["coins_spent"]) == (2, 20, 6, 4)
    assert body["longest_streak"] == 1


def test_stats_query_count_is_constant(make_user, django_assert_max_num_queries):
    fresh, busy = make_user(), make_user()
    for _ in range(30):
        complete_task(busy)
    for who in (fresh, busy):
        client = client_for(who)
        with django_assert_max_num_queries(2):
            assert client.get("/api/v1/stats/").status_code == 200


def test_daily_defaults_to_the_last_thirty_local_days(make_user):
    user = make_user(timezone="Pacific/Kiritimati")  # 2024-06-15 12:00 UTC is June 16th there
    with time_machine.travel(NOW, tick=False):
        complete_task(user, xp=10, coins=3)
    r = get(user, "/api/v1/stats/daily/")
    assert r.status_code == 200
    body = r.json()
    assert len(body) == 30
    assert body[0]["date"] == "2024-05-18" and body[-1]["date"] == "2024-06-16"
    assert body[-1] == {"date": "2024-06-16", "tasks_completed": 1, "habit_check_ins": 0, "xp_earned": 10, "coins_earned": 3}
    assert body[0] == {"date": "2024-05-18", "tasks_completed": 0, "habit_check_ins": 0, "xp_earned": 0, "coins_earned": 0}


def test_daily_range(user):
    with time_machine.travel(NOW, tick=False):
        complete_task(user)
    body = get(user, "/api/v1/stats/daily/?from=2024-06-14&to=2024-06-16").json()
    assert [row["date"] for row in body] == ["2024-06-14", "2024-06-15", "2024-06-16"]
    assert [row["tasks_completed"] for row in body] == [0, 1, 0]
    only_to = get(user, "/api/v1/stats/daily/?to=2024-06-15").json()
    assert (len(only_to), only_to[-1]["date"]) == (30, "2024-06-15")
    only_from = get(user, "/api/v1/stats/daily/?from=2024-06-10").json()
    assert [only_from[0]["date"], only_from[-1]["date"]] == ["2024-06-10", "2024-06-15"]
    year = get(user, "/api/v1/stats/daily/?from=2024-01-01&to=2024-12-31").json()  # 366 days (leap year)
    assert len(year) == 366


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2024-06-16&to=2024-06-15", "from"),
        ("from=2023-01-01&to=2024-01-02", "to"),  # 367 days
        ("from=2024-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=2020-01-01", "to"),  # to defaults to today: too long
    ],
)
def test_daily_bad_ranges_are_400(user, query, field):
    r = get(user, f"/api/v1/stats/daily/?{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error" and field in r.json()["errors"]


@pytest.mark.parametrize("query, days", [("to=0001-01-05", 5), ("from=9999-12-31&to=9999-12-31", 1), ("from=9999-12-02&to=9999-12-31", 30)])
def test_daily_extreme_dates_are_not_500(user, query, days):
    r = get(user, f"/api/v1/stats/daily/?{query}")
    assert r.status_code == 200 and len(r.json()) == days


def test_daily_query_count_is_constant(make_user, django_assert_max_num_queries):
    fresh, busy = make_user(), make_user()
    for n in range(40):
        with time_machine.travel(NOW - timedelta(days=n), tick=False):
            complete_task(busy)
    for who in (fresh, busy):
        with time_machine.travel(NOW, tick=False):
            client = client_for(who)
            with django_assert_max_num_queries(2):  # the JWT user, one range query
                assert client.get("/api/v1/stats/daily/?from=2024-01-01&to=2024-12-31").status_code == 200


def test_stats_need_auth(api_client):
    assert api_client.get("/api/v1/stats/").status_code == 401
    assert api_client.get("/api/v1/stats/daily/").status_code == 401


def test_export_has_my_stats(user):
    from conftest import exported

    complete_task(user)
    data = exported(user)
    assert data["stats"]["counters"]["tasks_completed"] == 1
    assert data["stats"]["daily_activity"][0]["tasks_completed"] == 1
    assert data["progression"]["wallet"]["xp"] == 10 and len(data["progression"]["ledger"]) == 2
    assert data["streaks"]["streak"]["current"] == 1
    assert data["achievements"] == {"unlocked": []}
