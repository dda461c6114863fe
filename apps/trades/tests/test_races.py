"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there).

Afterwards, each test checks that every balance equals its ledger, every item row its
item ledger, and that escrow (coins and locked items) is exactly what pending trades hold.
"""
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.core.testing import is_postgres, run_concurrently
from apps.inventory.models import InventoryItem
from apps.shop.tests.factories import BoostFactory
from apps.trades.models import Trade
from apps.trades.services import trade_expire, trades_cancel_between
from apps.wallet.models import Wallet
from conftest import client_for

from .factories import assert_consistent, befriend, coins, fund, give, held, make_trade, row

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]

URL = "/api/v1/trades/"


@pytest.fixture
def pair(make_user):
    a, b = make_user("ann"), make_user("ben")
    befriend(a, b)
    fund(a, coins=500)
    fund(b, coins=300)
    return a, b


def statuses(results) -> list:
    return sorted(getattr(r, "status_code", repr(r)) for r in results)


def total_coins(*users) -> int:
    held_by_wallets = Wallet.objects.filter(user__in=users).aggregate(t=Sum("coins"))["t"]
    in_escrow = Trade.objects.filter(status="pending").aggregate(t=Sum("escrow_coins"))["t"] or 0
    return held_by_wallets + in_escrow


def test_one_trade_accepted_ten_times_at_once_swaps_once(pair):
    a, b = pair
    sword, shield = give(a, BoostFactory(), quantity=3), give(b, BoostFactory(), quantity=2)
    trade = make_trade(a, b, offered_coins=100, offered=[(sword, 3)], requested_coins=50, requested=[(shield, 2)])

    results = run_concurrently(*[lambda: client_for(b).post(f"{URL}{trade.pk}/accept/") for _ in range(10)])

    assert statuses(results) == [200] + [409] * 9, statuses(results)
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"trade_not_pending"}
    assert (coins(a), coins(b)) == (500 - 100 + 50, 300 + 100 - 50)
    assert (held(a, sword.item), held(b, sword.item)) == (0, 3)
    assert (held(a, shield.item), held(b, shield.item)) == (2, 0)
    assert_consistent(a, b)


def test_one_item_offered_in_two_trades_at_once_is_escrowed_once(pair, make_user):
    a, b = pair
    c = make_user("cid")
    befriend(a, c)
    avatar = give(a)

    def offer(to):
        body = {"recipient_id": to.pk, "offered": {"items": [{"inventory_id": avatar.pk}]}, "requested": {"coins": 5}}
        return lambda: client_for(a).post(URL, body, format="json")

    results = run_concurrently(offer(b), offer(c), offer(b), offer(c))

    assert statuses(results) == [201, 409, 409, 409], statuses(results)
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"item_locked"}
    assert Trade.objects.count() == 1 and row(avatar).locked_quantity == 1
    assert_consistent(a, b, c)


def test_accept_racing_cancel_gives_exactly_one_outcome_and_conserves_coins(pair):
    a, b = pair
    for _round in range(5):
        boost = give(a, BoostFactory())
        trade = make_trade(a, b, offered_coins=40, offered=[boost], requested_coins=10)
        before = total_coins(a, b)

        accept_r, cancel_r = run_concurrently(
            lambda pk=trade.pk: client_for(b).post(f"{URL}{pk}/accept/"),
            lambda pk=trade.pk: client_for(a).post(f"{URL}{pk}/cancel/"),
        )

        assert sorted([accept_r.status_code, cancel_r.status_code]) == [200, 409]
        status = Trade.objects.get(pk=trade.pk).status
        assert status == ("accepted" if accept_r.status_code == 200 else "cancelled")
        loser = cancel_r if accept_r.status_code == 200 else accept_r
        assert loser.json()["code"] == "trade_not_pending"
        assert total_coins(a, b) == before
        owner = b if status == "accepted" else a
        assert held(owner, boost.item) == 1 and InventoryItem.objects.filter(item=boost.item, quantity__gt=0).count() == 1
        assert_consistent(a, b)


def test_twenty_concurrent_offers_cannot_escrow_more_coins_than_the_wallet_holds(pair):
    a, b = pair  # a holds 500: at most 5 offers of 100

    def offer():
        body = {"recipient_id": b.pk, "offered": {"coins": 100}, "requested": {"coins": 1}}
        return client_for(a).post(URL, body, format="json")

    results = run_concurrently(*[offer for _ in range(20)])

    assert statuses(results) == [201] * 5 + [409] * 15, statuses(results)
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"insufficient_funds"}
    assert coins(a) == 0 and Trade.objects.filter(status="pending").aggregate(t=Sum("escrow_coins"))["t"] == 500
    assert_consistent(a, b)


def test_the_expiry_job_racing_readers_returns_the_escrow_once(pair):
    import time_machine

    from apps.trades.jobs import run_daily

    a, b = pair
    boost = give(a, BoostFactory(), quantity=2)
    trade = make_trade(a, b, offered_coins=100, offered=[(boost, 2)], requested_coins=1)
    later = timezone.now() + timedelta(hours=72, seconds=1)

    with time_machine.travel(later, tick=False):  # a frozen clock, past the expiry
        results = run_concurrently(
            lambda: run_daily(now=timezone.now()),
            lambda: client_for(a).get(URL),
            lambda: client_for(b).get(f"{URL}{trade.pk}/"),
            lambda: trade_expire(trade_id=trade.pk),
            lambda: client_for(b).post(f"{URL}{trade.pk}/accept/"),
        )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Trade.objects.get(pk=trade.pk).status == "expired"
    assert results[1].json()["results"][0]["status"] == results[2].json()["status"] == "expired"
    assert results[4].status_code == 409
    assert coins(a) == 500 and row(boost).locked_quantity == 0 and row(boost).quantity == 2
    assert_consistent(a, b)


def test_a_block_racing_new_offers_leaves_no_pending_trade_between_the_two(pair):
    from apps.friends.models import Block, Friendship

    a, b = pair
    make_trade(a, b, offered_coins=50, requested_coins=1)

    def block():
        from django.db import transaction

        with transaction.atomic():  # as the friends app's block service: friendship gone, then the signal
            Friendship.objects.filter(user__in=[a, b], friend__in=[a, b]).delete()
            Block.objects.create(blocker=b, blocked=a)
            trades_cancel_between(user_id=b.pk, other_id=a.pk)

    def offer():
        body = {"recipient_id": b.pk, "offered": {"coins": 10}, "requested": {"coins": 1}}
        return client_for(a).post(URL, body, format="json")

    results = run_concurrently(block, offer, offer, offer)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert not Trade.objects.filter(status="pending").exists()
    assert coins(a) == 500
    assert_consistent(a, b)


def test_an_accept_racing_the_requesters_account_deletion_is_200_or_404_never_500(make_user):
    from apps.progression.tests.factories import assert_balances_match_ledger

    for n in range(12):
        ann, ben = make_user(f"leaver{n}"), make_user(f"stayer{n}")
        befriend(ann, ben)
        fund(ann, coins=50)
        fund(ben, coins=5)
        trade = make_trade(ann, ben, offered_coins=50, requested_coins=5)

        deleted, accepted = run_concurrently(
            lambda ann=ann: client_for(ann).delete("/api/v1/me/", {"password": "s3cret-Passw0rd!"}, format="json"),
            lambda ben=ben, trade=trade: client_for(ben).post(f"/api/v1/trades/{trade.pk}/accept/"),
        )

        assert getattr(deleted, "status_code", repr(deleted)) == 204
        assert getattr(accepted, "status_code", repr(accepted)) in (200, 404), accepted
        assert_balances_match_ledger(ben.pk)
