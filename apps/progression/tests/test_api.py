import pytest

from apps.progression.services import progress_grant
from conftest import client_for

pytestmark = pytest.mark.django_db


def test_levels_default_lists_fifty_levels(user):
    r = client_for(user).get("/api/v1/levels/")
    assert r.status_code == 200
    body = r.json()
    assert len(body) == 50
    assert body[:3] == [{"level": 1, "total_xp": 0}, {"level": 2, "total_xp": 100}, {"level": 3, "total_xp": 250}]
    assert body[-1] == {"level": 50, "total_xp": 25 * 49 * 52}


def test_levels_up_to(user):
    client = client_for(user)
    assert [row["level"] for row in client.get("/api/v1/levels/?up_to=5").json()] == [1, 2, 3, 4, 5]
    assert len(client.get("/api/v1/levels/?up_to=1000").json()) == 1000


@pytest.mark.parametrize("value", ["0", "-1", "1001", "abc", "2.5", "1e3"])
def test_levels_bad_up_to_is_400(user, value):
    r = client_for(user).get(f"/api/v1/levels/?up_to={value}")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error" and "up_to" in r.json()["errors"]


def test_levels_need_auth(api_client):
    assert api_client.get("/api/v1/levels/").status_code == 401


def test_ledger_is_a_cursor_feed_newest_first(user):
    for i in range(25):
        progress_grant(user=user, coins=i + 1, reason="gift", ref=f"n:{i}")
    r = client_for(user).get("/api/v1/me/ledger/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"next", "previous", "results"}
    assert len(body["results"]) == 20
    first = body["results"][0]
    assert set(first) == {"id", "currency", "amount", "balance_after", "reason", "ref", "created_at"}
    assert (first["currency"], first["amount"], first["balance_after"], first["reason"], first["ref"]) == (
        "coins", 25, sum(range(1, 26)), "gift", "n:24"
    )
    page2 = client_for(user).get(body["next"]).json()
    assert [row["amount"] for row in page2["results"]] == [5, 4, 3, 2, 1]
    assert page2["next"] is None


def test_ledger_currency_filter_and_only_mine(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    progress_grant(user=alice, coins=5, crystals=2, xp=10, reason="gift")
    progress_grant(user=bob, coins=7, reason="gift")
    client = client_for(alice)
    assert [r["currency"] for r in client.get("/api/v1/me/ledger/?currency=crystals").json()["results"]] == ["crystals"]
    assert {r["currency"] for r in client.get("/api/v1/me/ledger/").json()["results"]} == {"xp", "coins", "crystals"}
    assert all(r["amount"] != 7 for r in client.get("/api/v1/me/ledger/").json()["results"])


def test_ledger_bad_currency_is_400(user):
    r = client_for(user).get("/api/v1/me/ledger/?currency=gold")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_me_still_resolves_next_to_me_ledger(user):
    client = client_for(user)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/me/ledger/").status_code == 200


def test_ledger_query_count_is_constant(make_user, django_assert_max_num_queries):
    small, large = make_user(), make_user()
    progress_grant(user=small, coins=1, reason="gift")
    for _ in range(60):
        progress_grant(user=large, coins=1, xp=1, reason="gift")
    for who in (small, large):
        client = client_for(who)
        with django_assert_max_num_queries(2):  # the JWT user (+wallet, streak), one page
            assert client.get("/api/v1/me/ledger/").status_code == 200


def test_a_long_ledger_is_exported_whole_in_pieces(user):
    import json

    from apps.progression.services import progress_grant
    from apps.wallet.models import LedgerEntry

    for _ in range(1200):
        progress_grant(user=user, coins=1, reason="gift")
    response = client_for(user).get("/api/v1/me/export/")
    pieces = list(response.streaming_content)
    assert len(pieces) > 1200  # one piece or more per entry: never the whole document at once
    ledger = json.loads(b"".join(pieces))["progression"]["ledger"]
    assert len(ledger) == LedgerEntry.objects.filter(user=user).count() == 1200
    assert [e["balance_after"] for e in ledger[:3]] == [1, 2, 3]
