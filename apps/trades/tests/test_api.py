"""`trades/` over HTTP: every error code, who may see and do what, escrow amounts, lazy
expiry, idempotency, history filters and their query budget, account deletion."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.achievements.models import Achievement
from apps.inventory.models import InventoryItem
from apps.notifications.models import Notification
from apps.shop.services import inventory_equip
from apps.shop.tests.factories import BoostFactory, FreezeFactory
from apps.trades.models import Trade
from conftest import client_for, exported

from .factories import ItemFactory, assert_consistent, befriend, block, coins, fund, give, held, make_trade, row

pytestmark = pytest.mark.django_db

URL = "/api/v1/trades/"


@pytest.fixture
def pair(make_user):
    a, b = make_user("ann"), make_user("ben")
    befriend(a, b)
    fund(a, coins=500)
    fund(b, coins=300)
    return a, b


def body(recipient, *, offered_coins=0, offered=(), requested_coins=0, requested=(), **extra) -> dict:
    def lines(rows):
        return [{"inventory_id": r[0].pk, "quantity": r[1]} if isinstance(r, tuple) else {"inventory_id": r.pk} for r in rows]

    return {
        "recipient_id": recipient.pk,
        "offered": {"coins": offered_coins, "items": lines(offered)},
        "requested": {"coins": requested_coins, "items": lines(requested)},
        **extra,
    }


def post(user, data, **headers):
    return client_for(user).post(URL, data, format="json", **headers)


def test_create_returns_the_pending_trade_in_the_contract_shape(pair):
    a, b = pair
    sword, shield = give(a, name="Sword"), give(b, name="Shield")
    r = post(a, body(b, offered_coins=120, offered=[sword], requested_coins=5, requested=[shield], message="deal?"))
    assert r.status_code == 201, r.json()
    data = r.json()
    assert set(data) == {
        "id", "requester", "recipient", "status", "offered", "requested", "message", "created_at", "expires_at", "resolved_at"
    }
    assert data["requester"] == {"id": a.pk, "username": "ann"}
    assert data["recipient"] == {"id": b.pk, "username": "ben"}
    assert data["status"] == "pending" and data["message"] == "deal?" and data["resolved_at"] is None
    assert data["offered"]["coins"] == 120 and data["requested"]["coins"] == 5
    line = data["offered"]["items"][0]
    assert line["inventory_id"] == sword.pk and line["quantity"] == 1
    assert line["item"]["id"] == sword.item_id and line["item"]["name"] == "Sword" and line["item"]["type"] == "avatar"
    assert line["item"]["image"].startswith("http")
    assert data["requested"]["items"][0]["inventory_id"] == shield.pk
    assert coins(a) == 380
    inventory = client_for(a).get("/api/v1/inventory/").json()["results"]
    assert [r["locked_in_trade"] for r in inventory if r["id"] == sword.pk] == [True]
    assert_consistent(a, b)


@pytest.mark.parametrize(
    "change, status, code",
    [
        (lambda d: d.update(recipient_id="2"), 400, "validation_error"),
        (lambda d: d["offered"].update(coins=1.5), 400, "validation_error"),
        (lambda d: d["offered"].update(coins=-1), 400, "validation_error"),
        (lambda d: d["offered"].update(items=[{"inventory_id": "1"}]), 400, "validation_error"),
        (lambda d: d["offered"].update(items=[{"inventory_id": 1, "quantity": 0}]), 400, "validation_error"),
        (lambda d: d["offered"].update(items={"inventory_id": 1}), 400, "validation_error"),
        (lambda d: d.pop("requested"), 400, "validation_error"),
        (lambda d: d.update(message=5), 400, "validation_error"),
        (lambda d: d["offered"].update(crystals=5), 400, "crystals_not_tradable"),
        (lambda d: d["requested"].update(crystals=0), 400, "crystals_not_tradable"),
        (lambda d: d.update(crystals=1), 400, "crystals_not_tradable"),
        (lambda d: d.update(requested={"coins": 0, "items": []}), 400, "trade_empty"),
        (lambda d: d.update(offered={}), 400, "trade_empty"),
        (lambda d: d["offered"].update(coins=501), 409, "insufficient_funds"),
    ],
)
def test_invalid_bodies_are_refused_and_move_nothing(pair, change, status, code):
    a, b = pair
    data = body(b, offered_coins=10, requested_coins=5)
    change(data)
    r = post(a, data)
    assert (r.status_code, r.json()["code"]) == (status, code), r.json()
    assert not Trade.objects.exists() and coins(a) == 500


def test_an_error_inside_a_list_names_its_place_in_plain_words(pair):
    a, b = pair
    data = body(b, offered_coins=10, requested_coins=5)
    data["offered"]["items"] = [None]
    errors = post(a, data).json()["errors"]
    assert errors == {"offered.items.0": ["This field may not be null."]}


def test_each_refused_offer_has_its_own_code(pair, make_user):
    a, b = pair
    stranger, blocker = make_user("zed"), make_user("bob")
    befriend(a, blocker)
    block(blocker, a)
    mine, theirs, equipped = give(a), give(b), give(a)
    inventory_equip(user=a, inventory_item_id=equipped.pk)
    boost = give(a, BoostFactory(), quantity=2)
    make_trade(a, b, offered=[(boost, 1)], requested_coins=1)
    hat = ItemFactory()
    hat_mine = give(a, hat)
    give(b, hat)
    freeze = give(a, FreezeFactory(), quantity=2)
    give(b, freeze.item)
    cases = [
        (body(a, offered_coins=1, requested_coins=1), 400, "trade_with_self"),
        (body(stranger, offered_coins=1, requested_coins=1), 409, "not_friends"),
        (body(blocker, offered_coins=1, requested_coins=1), 409, "not_friends"),
        ({**body(b, offered_coins=1, requested_coins=1), "recipient_id": 10**9}, 409, "not_friends"),
        (body(b, offered=[theirs], requested_coins=1), 409, "item_not_owned"),
        (body(b, offered_coins=1, requested=[mine]), 409, "item_not_owned"),
        (body(b, offered_coins=1, requested=[(theirs, 2)]), 409, "insufficient_items"),
        (body(b, offered=[equipped], requested_coins=1), 409, "item_equipped"),
        (body(b, offered=[(mine, 2)], requested_coins=1), 409, "insufficient_items"),
        (body(b, offered=[(boost, 2)], requested_coins=1), 409, "item_locked"),
        (body(b, offered=[hat_mine], requested_coins=1), 409, "already_owned"),
        (body(b, offered=[(freeze, 2)], requested_coins=1), 409, "limit_reached"),
        (body(b, offered=[mine, mine], requested_coins=1), 400, "validation_error"),
    ]
    for data, status, code in cases:
        r = post(a, data)
        assert (r.status_code, r.json()["code"]) == (status, code), (data, r.json())
    assert Trade.objects.count() == 1
    assert_consistent(a, b)


def test_the_requester_comes_from_the_token_never_the_body(pair):
    a, b = pair
    r = post(a, body(b, offered_coins=10, requested_coins=5, requester_id=b.pk))
    assert r.status_code == 201 and r.json()["requester"]["id"] == a.pk


def test_only_the_two_parties_see_a_trade_and_others_get_404(pair, make_user):
    a, b = pair
    c = make_user("cid")
    trade = make_trade(a, b, offered_coins=10, requested_coins=5)
    for user in (a, b):
        assert client_for(user).get(f"{URL}{trade.pk}/").status_code == 200
    client = client_for(c)
    assert client.get(f"{URL}{trade.pk}/").json()["code"] == "not_found"
    for command in ("accept", "reject", "cancel"):
        r = client.post(f"{URL}{trade.pk}/{command}/")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client.get(URL).json()["count"] == 0
    assert client_for(a).get(f"{URL}999999/").status_code == 404


def test_the_wrong_party_gets_403_and_nothing_changes(pair):
    a, b = pair
    trade = make_trade(a, b, offered_coins=10, requested_coins=5)
    for user, command in ((a, "accept"), (a, "reject"), (b, "cancel")):
        r = client_for(user).post(f"{URL}{trade.pk}/{command}/")
        assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert Trade.objects.get(pk=trade.pk).status == "pending" and coins(a) == 490


def test_accept_swaps_and_a_second_command_is_trade_not_pending(pair):
    a, b = pair
    sword, shield = give(a), give(b)
    trade = make_trade(a, b, offered_coins=100, offered=[sword], requested_coins=40, requested=[shield])
    r = client_for(b).post(f"{URL}{trade.pk}/accept/")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "accepted" and r.json()["resolved_at"] is not None
    assert (coins(a), coins(b)) == (440, 360)
    assert held(b, sword.item) == 1 and held(a, shield.item) == 1
    for user, command in ((b, "accept"), (b, "reject"), (a, "cancel")):
        r = client_for(user).post(f"{URL}{trade.pk}/{command}/")
        assert (r.status_code, r.json()["code"]) == (409, "trade_not_pending")
    stats = client_for(a).get("/api/v1/stats/").json()
    assert stats["trades_completed"] == 1
    assert_consistent(a, b)


def test_accept_answers_what_it_granted_the_recipient(pair):
    # Contract: every response that grants rewards carries `rewards`.
    Achievement.objects.create(code="first-trade", title="Deal", trigger="trades_completed", threshold=1,
                               reward_xp=20, reward_coins=10)
    a, b = pair
    trade = make_trade(a, b, offered_coins=100, offered=[give(a)], requested_coins=40)

    rewards = client_for(b).post(f"{URL}{trade.pk}/accept/").json()["rewards"]

    # 100 - 40 coins from the trade, and the achievement's 20 XP and 10 coins.
    assert (rewards["xp"], rewards["coins"], rewards["crystals"]) == (20, 70, 0)
    assert [x["code"] for x in rewards["achievements"]] == ["first-trade"]
    assert coins(b) == 300 + 70
    assert_consistent(a, b)


def test_accept_with_too_few_coins_is_insufficient_funds_and_changes_nothing(pair):
    a, b = pair
    trade = make_trade(a, b, offered_coins=100, requested_coins=301)
    r = client_for(b).post(f"{URL}{trade.pk}/accept/")
    assert (r.status_code, r.json()["code"]) == (409, "insufficient_funds")
    assert Trade.objects.get(pk=trade.pk).status == "pending" and (coins(a), coins(b)) == (400, 300)


def test_accept_after_the_requested_item_was_used_up_is_insufficient_items(pair):
    a, b = pair
    boost = give(b, BoostFactory())
    trade = make_trade(a, b, offered_coins=10, requested=[boost])
    r = client_for(b).post(f"/api/v1/inventory/{boost.pk}/use/")
    assert r.status_code == 200
    r = client_for(b).post(f"{URL}{trade.pk}/accept/")
    assert (r.status_code, r.json()["code"]) == (409, "item_not_owned")  # the row is empty now


def test_accept_after_unfriending_is_not_friends(pair):
    from apps.friends.models import Friendship

    a, b = pair
    trade = make_trade(a, b, offered_coins=10, requested_coins=5)
    Friendship.objects.all().delete()
    r = client_for(b).post(f"{URL}{trade.pk}/accept/")
    assert (r.status_code, r.json()["code"]) == (409, "not_friends")


def test_reject_and_cancel_return_the_escrow(pair):
    a, b = pair
    boost = give(a, BoostFactory(), quantity=2)
    t1 = make_trade(a, b, offered_coins=100, offered=[(boost, 1)], requested_coins=1)
    t2 = make_trade(a, b, offered_coins=50, offered=[(boost, 1)], requested_coins=1)
    assert coins(a) == 350 and row(boost).locked_quantity == 2
    assert client_for(b).post(f"{URL}{t1.pk}/reject/").json()["status"] == "rejected"
    assert coins(a) == 450 and row(boost).locked_quantity == 1
    assert client_for(a).post(f"{URL}{t2.pk}/cancel/").json()["status"] == "cancelled"
    assert coins(a) == 500 and row(boost).locked_quantity == 0
    assert_consistent(a, b)


def test_idempotent_create_and_accept_replay_without_a_second_effect(pair):
    a, b = pair
    data = body(b, offered_coins=100, requested_coins=10)
    first = post(a, data, HTTP_IDEMPOTENCY_KEY="k1")
    again = post(a, data, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Trade.objects.count() == 1 and coins(a) == 400
    reused = post(a, body(b, offered_coins=1, requested_coins=1), HTTP_IDEMPOTENCY_KEY="k1")
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")

    trade_id = first.json()["id"]
    client = client_for(b)
    one = client.post(f"{URL}{trade_id}/accept/", HTTP_IDEMPOTENCY_KEY="acc")
    two = client.post(f"{URL}{trade_id}/accept/", HTTP_IDEMPOTENCY_KEY="acc")
    assert one.status_code == two.status_code == 200 and two["Idempotent-Replayed"] == "true"
    assert (coins(a), coins(b)) == (410, 390)
    assert_consistent(a, b)


def test_history_filters_by_role_and_status(pair, make_user):
    a, b = pair
    c = make_user("cid")
    befriend(a, c)
    fund(c, coins=100)
    sent = make_trade(a, b, offered_coins=10, requested_coins=1)
    received = make_trade(c, a, offered_coins=10, requested_coins=1)
    done = make_trade(a, c, offered_coins=10, requested_coins=1)
    client_for(c).post(f"{URL}{done.pk}/accept/")
    client = client_for(a)

    def ids(query=""):
        r = client.get(f"{URL}{query}")
        assert r.status_code == 200, r.json()
        return [t["id"] for t in r.json()["results"]]

    assert ids() == [done.pk, received.pk, sent.pk]
    assert ids("?role=sent") == [done.pk, sent.pk]
    assert ids("?role=received") == [received.pk]
    assert ids("?status=accepted") == [done.pk]
    assert ids("?role=sent&status=pending") == [sent.pk]
    assert ids("?role=&status=") == [done.pk, received.pk, sent.pk]
    for bad in ("?role=mine", "?status=open", "?page=0"):
        r = client.get(f"{URL}{bad}")
        assert (r.status_code, r.json()["code"]) == (400, "validation_error")
    assert client.get(f"{URL}?page_size=1").json()["count"] == 3


def _trades(a, b, count):
    for _ in range(count):
        mine, theirs = give(a, BoostFactory()), give(b, BoostFactory())
        make_trade(a, b, offered_coins=1, offered=[mine], requested=[theirs])


def test_the_history_costs_the_same_queries_with_more_trades_and_items(pair, django_assert_max_num_queries):
    a, b = pair
    client = client_for(a)
    _trades(a, b, 2)
    client.get(URL)  # warm the authentication cache
    with django_assert_max_num_queries(8) as few:
        assert client.get(URL).status_code == 200
    _trades(a, b, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(URL)
    assert r.status_code == 200 and r.json()["count"] == 14 and all(len(t["offered"]["items"]) == 1 for t in r.json()["results"])


def test_a_due_trade_is_expired_on_read_once_with_its_escrow_back(pair, django_capture_on_commit_callbacks):
    a, b = pair
    boost = give(a, BoostFactory())
    trade = make_trade(a, b, offered_coins=100, offered=[boost], requested_coins=1)
    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            listed = client_for(b).get(URL).json()["results"][0]
        assert listed["status"] == "expired" and listed["resolved_at"] is not None
        assert client_for(a).get(f"{URL}{trade.pk}/").json()["status"] == "expired"
        assert coins(a) == 500 and row(boost).locked_quantity == 0
    assert Notification.objects.filter(kind="trade_expired").count() == 2
    assert_consistent(a, b)


@pytest.mark.parametrize("user_index, command", [(1, "accept"), (1, "reject"), (0, "cancel")])
def test_a_command_on_a_due_trade_expires_it_and_is_trade_not_pending(pair, user_index, command):
    a, b = pair
    trade = make_trade(a, b, offered_coins=100, requested_coins=1)
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        r = client_for(pair[user_index]).post(f"{URL}{trade.pk}/{command}/", HTTP_IDEMPOTENCY_KEY="x")
    assert (r.status_code, r.json()["code"]) == (409, "trade_not_pending")
    # The 409 rolled back nothing of the expiry.
    assert Trade.objects.get(pk=trade.pk).status == "expired" and coins(a) == 500
    assert_consistent(a, b)


def test_the_daily_job_expires_due_trades(pair):
    from io import StringIO

    from django.core.management import call_command

    a, b = pair
    trade = make_trade(a, b, offered_coins=100, requested_coins=1, now=timezone.now() - timedelta(hours=80))
    out = StringIO()
    call_command("run_daily_jobs", stdout=out)
    assert "trades: 1 trades expired" in out.getvalue()
    assert Trade.objects.get(pk=trade.pk).status == "expired" and coins(a) == 500


def test_deleting_an_account_cancels_its_pending_trades_with_escrow_returned(pair):
    a, b = pair
    boost = give(a, BoostFactory())
    theirs = give(b, BoostFactory())
    trade = make_trade(a, b, offered_coins=100, offered=[boost], requested=[theirs])
    other = make_trade(b, a, offered_coins=60, offered=[theirs], requested_coins=1)
    r = client_for(a).delete("/api/v1/me/", {"password": "s3cret-Passw0rd!"}, format="json")
    assert r.status_code == 204
    assert not Trade.objects.filter(pk__in=[trade.pk, other.pk]).exists()  # they cascade with the account
    assert coins(b) == 300 and row(theirs).locked_quantity == 0
    assert_consistent(b)


def test_the_export_lists_my_trades_and_their_lines(pair):
    a, b = pair
    sword = give(a)
    trade = make_trade(a, b, offered_coins=10, offered=[sword], requested_coins=1)
    part = exported(b)["trades"]
    assert [t["id"] for t in part["trades"]] == [trade.pk]
    assert [(line["side"], line["item_id"]) for line in part["lines"]] == [("offered", sword.item_id)]


def test_admin_lists_trades_and_cancels_through_the_service(pair, admin_client):
    a, b = pair
    boost = give(a, BoostFactory())
    trade = make_trade(a, b, offered_coins=100, offered=[boost], requested_coins=1)
    assert admin_client.get("/admin/trades/trade/").status_code == 200
    assert admin_client.get(f"/admin/trades/trade/{trade.pk}/change/").status_code == 200
    assert admin_client.get("/admin/trades/tradeitem/").status_code == 200
    r = admin_client.post("/admin/trades/trade/", {"action": "cancel_pending", "_selected_action": [trade.pk]})
    assert r.status_code == 302
    assert Trade.objects.get(pk=trade.pk).status == "cancelled"
    assert coins(a) == 500 and InventoryItem.objects.get(pk=boost.pk).locked_quantity == 0
    assert_consistent(a, b)


def test_huge_ids_are_404_or_refused_never_a_500(pair):
    a, b = pair
    client = client_for(a)
    huge = 10**22
    assert client.get(f"{URL}{huge}/").status_code == 404
    for command in ("accept", "reject", "cancel"):
        assert client.post(f"{URL}{huge}/{command}/").status_code == 404
    largest = 2**63 - 1
    r = post(a, {**body(b, offered_coins=1, requested_coins=1), "recipient_id": largest})
    assert (r.status_code, r.json()["code"]) == (409, "not_friends")
    r = post(a, body(b, offered_coins=1, requested_coins=1) | {"offered": {"items": [{"inventory_id": largest}]}})
    assert (r.status_code, r.json()["code"]) == (409, "item_not_owned")
    for data in (
        {**body(b, offered_coins=1, requested_coins=1), "recipient_id": huge},
        body(b, offered_coins=1, requested_coins=1) | {"requested": {"items": [{"inventory_id": huge}]}},
    ):
        r = post(a, data)
        assert (r.status_code, r.json()["code"]) == (400, "validation_error")


def test_create_and_accept_count_in_the_spend_rate_limit(pair, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"anon": "1000/min", "user": "1000/min", "login": "1000/min", "spend": "2/min", "ai": "2/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    a, b = pair
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        made = [post(a, body(b, offered_coins=1, requested_coins=1)) for _ in range(3)]
        assert [r.status_code for r in made] == [201, 201, 429]
        assert client_for(a).get(URL).status_code == 200  # reads are not spending
        client = client_for(b)
        accepted = [client.post(f"{URL}{r.json()['id']}/accept/") for r in made[:2]]
        assert [r.status_code for r in accepted] == [200, 200]
        assert client.post(f"{URL}{made[0].json()['id']}/accept/").status_code == 429
        assert client.post(f"{URL}{made[0].json()['id']}/reject/").status_code == 409  # not a spend


def test_the_bench_data_for_trade_accept_is_real_pending_trades(make_user):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from scenarios import _pending_trades_to_accept

    bench_user = make_user("bench1")
    each = _pending_trades_to_accept(bench_user)["each"]
    assert len(each) == 2000 and _pending_trades_to_accept(bench_user)["each"] == each  # idempotent
    trader = Trade.objects.get(pk=each[0]["trade_id"]).requester
    r = client_for(bench_user).post(f"{URL}{each[0]['trade_id']}/accept/")
    assert r.status_code == 200, r.json()
    assert_consistent(bench_user, trader)


def test_a_retried_cancel_with_its_key_gets_the_first_answer(pair):
    a, b = pair
    trade = make_trade(a, b, offered_coins=100, requested_coins=1)
    client = client_for(a)
    first = client.post(f"{URL}{trade.pk}/cancel/", HTTP_IDEMPOTENCY_KEY="c1")
    again = client.post(f"{URL}{trade.pk}/cancel/", HTTP_IDEMPOTENCY_KEY="c1")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert client.post(f"{URL}{trade.pk}/cancel/").json()["code"] == "trade_not_pending"
    assert coins(a) == 500
    assert_consistent(a, b)
