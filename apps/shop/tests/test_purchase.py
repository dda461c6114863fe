"""POST shop/items/{id}/purchase/: every outcome, and nothing changed on refusal."""
import pytest
from django.test import override_settings

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.stats.models import StatCounter
from apps.wallet.models import LedgerEntry, Wallet
from conftest import client_for

from .factories import BoostFactory, FreezeFactory, ItemFactory, fund, snapshot

pytestmark = pytest.mark.django_db


def buy(client, item, **body):
    return client.post(f"/api/v1/shop/items/{item.pk}/purchase/", body or {"currency": "coins", "quantity": 1}, format="json")


def stat(user, key):
    row = StatCounter.objects.filter(user=user, key=key).first()
    return row.value if row else 0


@pytest.fixture
def buyer(make_user):
    user = make_user("buyer")
    fund(user, coins=500, crystals=20)
    return user


@pytest.fixture
def client(buyer):
    return client_for(buyer)


# -- success ---------------------------------------------------------------------
def test_purchase_debits_writes_ledger_grants_item_counts_stats_and_reports_rewards(buyer, client):
    item = ItemFactory(price_coins=120, name="Fox")
    r = buy(client, item)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["coins"] == 380 and body["crystals"] == 20
    assert body["inventory_item"]["item"]["id"] == item.pk
    assert body["inventory_item"]["quantity"] == 1
    assert body["inventory_item"]["equipped"] is False
    assert body["inventory_item"]["item"]["owned"] is True
    assert set(body["inventory_item"]) == {"id", "item", "quantity", "equipped", "locked_in_trade", "acquired_at"}
    rewards = body["rewards"]
    assert rewards["coins"] == -120 and rewards["xp"] == 0 and rewards["crystals"] == 0
    assert rewards["items"] == [{"item_id": item.pk, "name": "Fox", "quantity": 1}]
    assert set(rewards) >= {"multipliers", "level", "streak", "achievements", "capped"}

    wallet = Wallet.objects.get(user=buyer)
    assert (wallet.coins, wallet.crystals) == (380, 20)
    entry = LedgerEntry.objects.filter(user=buyer).order_by("-id").first()
    assert (entry.currency, entry.amount, entry.balance_after, entry.reason, entry.ref) == (
        "coins",
        -120,
        380,
        "item_purchase",
        f"item:{item.pk}",
    )
    row = InventoryItem.objects.get(user=buyer, item=item)
    assert row.quantity == 1 and body["inventory_item"]["id"] == row.pk
    item_entry = InventoryLedgerEntry.objects.get(user=buyer, item=item)
    assert (item_entry.amount, item_entry.quantity_after, item_entry.reason) == (1, 1, "item_purchase")
    assert stat(buyer, "items_bought") == 1
    assert stat(buyer, "coins_spent") == 120


def test_purchase_in_crystals_debits_crystals_only(buyer, client):
    item = ItemFactory(price_coins=None, price_crystals=15, rarity="legendary")
    r = buy(client, item, currency="crystals", quantity=1)
    assert r.status_code == 201, r.content
    assert (r.json()["coins"], r.json()["crystals"]) == (500, 5)
    assert r.json()["rewards"]["crystals"] == -15
    entry = LedgerEntry.objects.filter(user=buyer).order_by("-id").first()
    assert (entry.currency, entry.amount, entry.balance_after) == ("crystals", -15, 5)
    assert stat(buyer, "coins_spent") == 0


def test_item_priced_in_both_currencies_can_be_bought_with_either(buyer, make_user):
    item = BoostFactory(price_coins=40, price_crystals=2)
    client = client_for(buyer)
    assert buy(client, item, currency="coins", quantity=1).status_code == 201
    r = buy(client, item, currency="crystals", quantity=1)
    assert r.status_code == 201
    assert (r.json()["coins"], r.json()["crystals"]) == (460, 18)
    assert r.json()["inventory_item"]["quantity"] == 2


def test_consumables_stack_across_purchases_and_by_quantity(buyer, client):
    boost = BoostFactory(price_coins=50)
    assert buy(client, boost, currency="coins", quantity=3).json()["inventory_item"]["quantity"] == 3
    r = buy(client, boost, currency="coins", quantity=2)
    assert r.status_code == 201
    assert r.json()["inventory_item"]["quantity"] == 5
    assert r.json()["coins"] == 500 - 5 * 50
    assert stat(buyer, "items_bought") == 5
    assert InventoryItem.objects.filter(user=buyer, item=boost).count() == 1
    assert list(
        InventoryLedgerEntry.objects.filter(user=buyer, item=boost).order_by("id").values_list("amount", "quantity_after")
    ) == [(3, 3), (2, 5)]


def test_empty_body_buys_one_for_coins(client):
    item = ItemFactory(price_coins=10)
    r = client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["inventory_item"]["quantity"] == 1


def test_idempotency_key_replays_without_buying_twice(buyer, client):
    boost = BoostFactory(price_coins=50)
    first = client.post(
        f"/api/v1/shop/items/{boost.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        f"/api/v1/shop/items/{boost.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert InventoryItem.objects.get(user=buyer, item=boost).quantity == 1
    assert Wallet.objects.get(user=buyer).coins == 450


# -- refusals: status, code, and nothing changed -----------------------------------
def assert_refused(response, status, code, before, user):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert snapshot(user) == before


def test_too_few_coins_is_409_insufficient_funds_and_changes_nothing(buyer, client):
    item = ItemFactory(price_coins=501)
    before = snapshot(buyer)
    assert_refused(buy(client, item), 409, "insufficient_funds", before, buyer)


def test_too_few_crystals_is_409_insufficient_funds(buyer, client):
    item = ItemFactory(price_coins=None, price_crystals=21)
    before = snapshot(buyer)
    assert_refused(buy(client, item, currency="crystals", quantity=1), 409, "insufficient_funds", before, buyer)


def test_quantity_that_costs_more_than_the_balance_is_refused_whole(buyer, client):
    boost = BoostFactory(price_coins=60)
    before = snapshot(buyer)
    assert_refused(buy(client, boost, currency="coins", quantity=9), 409, "insufficient_funds", before, buyer)


def test_cosmetic_already_owned_is_409_and_changes_nothing(buyer, client):
    item = ItemFactory(price_coins=100)
    assert buy(client, item).status_code == 201
    before = snapshot(buyer)
    assert_refused(buy(client, item), 409, "already_owned", before, buyer)


def test_level_too_low_is_409_and_changes_nothing(buyer, client):
    item = ItemFactory(price_coins=10, min_level=3)
    before = snapshot(buyer)
    assert_refused(buy(client, item), 409, "level_too_low", before, buyer)


def test_reaching_the_level_makes_the_item_buyable(buyer, client):
    item = ItemFactory(price_coins=10, min_level=3)
    fund(buyer, xp=250)  # level 3
    assert buy(client, item).status_code == 201


def test_currency_the_item_is_not_priced_in_is_400_and_changes_nothing(buyer, client):
    coins_only = ItemFactory(price_coins=10, price_crystals=None)
    crystals_only = ItemFactory(price_coins=None, price_crystals=1)
    before = snapshot(buyer)
    assert_refused(buy(client, coins_only, currency="crystals", quantity=1), 400, "currency_not_accepted", before, buyer)
    assert_refused(buy(client, crystals_only, currency="coins", quantity=1), 400, "currency_not_accepted", before, buyer)


def test_inactive_item_is_404_and_changes_nothing(buyer, client):
    item = ItemFactory(price_coins=10, is_active=False)
    before = snapshot(buyer)
    assert_refused(buy(client, item), 404, "not_found", before, buyer)
    assert client.post("/api/v1/shop/items/999999/purchase/", {}, format="json").status_code == 404


def test_an_admin_price_change_and_a_withdrawal_are_seen_by_the_next_purchase(buyer, client):
    boost = BoostFactory(price_coins=10)
    assert buy(client, boost).status_code == 201
    boost.price_coins = 25
    boost.save()
    r = buy(client, boost)
    assert r.status_code == 201 and r.json()["rewards"]["coins"] == -25
    before = snapshot(buyer)
    boost.is_active = False
    boost.save()
    assert_refused(buy(client, boost), 404, "not_found", before, buyer)


@override_settings(DREAMTRACK_MAX_STREAK_FREEZES=2)
def test_streak_freezes_beyond_the_limit_are_409_limit_reached(buyer, client):
    freeze = FreezeFactory(price_coins=100)
    assert buy(client, freeze, currency="coins", quantity=2).status_code == 201
    before = snapshot(buyer)
    assert_refused(buy(client, freeze, currency="coins", quantity=1), 409, "limit_reached", before, buyer)


@override_settings(DREAMTRACK_MAX_STREAK_FREEZES=2)
def test_a_purchase_that_would_pass_the_freeze_limit_is_refused_whole(buyer, client):
    freeze = FreezeFactory(price_coins=100)
    assert buy(client, freeze, currency="coins", quantity=1).status_code == 201
    before = snapshot(buyer)
    assert_refused(buy(client, freeze, currency="coins", quantity=2), 409, "limit_reached", before, buyer)
    assert buy(client, freeze, currency="coins", quantity=1).status_code == 201


@override_settings(DREAMTRACK_MAX_STREAK_FREEZES=2)
def test_freeze_limit_counts_every_freeze_item(buyer, client):
    one, other = FreezeFactory(price_coins=10), FreezeFactory(price_coins=10)
    assert buy(client, one, currency="coins", quantity=2).status_code == 201
    before = snapshot(buyer)
    assert_refused(buy(client, other), 409, "limit_reached", before, buyer)


def test_cosmetics_are_bought_one_at_a_time(buyer, client):
    item = ItemFactory(price_coins=10)
    before = snapshot(buyer)
    r = buy(client, item, currency="coins", quantity=2)
    assert_refused(r, 400, "validation_error", before, buyer)
    assert "quantity" in r.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {"currency": "gold", "quantity": 1},
        {"currency": "coins", "quantity": 0},
        {"currency": "coins", "quantity": 11},
        {"currency": "coins", "quantity": "many"},
        {"currency": "coins", "quantity": "2"},  # a string is not a JSON integer (DRF alone took it)
    ],
)
def test_invalid_bodies_are_400_validation_error(buyer, client, body):
    boost = BoostFactory(price_coins=1)
    before = snapshot(buyer)
    assert_refused(buy(client, boost, **body), 400, "validation_error", before, buyer)


def test_level_check_comes_before_funds(make_user):
    poor = make_user("poor")
    item = ItemFactory(price_coins=1000, min_level=5)
    r = buy(client_for(poor), item)
    assert (r.status_code, r.json()["code"]) == (409, "level_too_low")


def test_purchases_are_throttled_in_the_spend_scope(buyer, client, monkeypatch):
    from apps.core.throttling import ScopedThrottle

    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "spend": "2/min"})
    boost = BoostFactory(price_coins=1)
    assert [buy(client, boost).status_code for _ in range(3)] == [201, 201, 429]
    assert client.get("/api/v1/shop/items/").status_code == 200  # reading is not spending


def test_purchase_needs_authentication(api_client):
    item = ItemFactory()
    assert api_client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {}, format="json").status_code == 401


def test_service_refuses_unknown_currency_without_touching_anything(buyer):
    from apps.core.errors import BadRequest
    from apps.shop.services import item_purchase

    item = ItemFactory(price_coins=10)
    before = snapshot(buyer)
    with pytest.raises(BadRequest):
        item_purchase(user=buyer, item_id=item.pk, currency="gold", quantity=1)
    assert snapshot(buyer) == before


def test_a_purchase_query_count_stays_flat_as_holdings_and_achievements_grow(make_user, django_assert_max_num_queries):
    from apps.achievements.models import Achievement
    from apps.achievements.services import catalog_invalidate

    for size in (10, 1000):
        user = make_user(f"buyer{size}")
        fund(user, coins=10_000)
        held = ItemFactory.create_batch(size)
        InventoryItem.objects.bulk_create([InventoryItem(user=user, item=item, quantity=1) for item in held])
        Achievement.objects.bulk_create(
            [Achievement(code=f"b{size}-{n}", title="B", trigger="items_bought", threshold=n + 3) for n in range(size // 2)]
        )
        catalog_invalidate()
        client = client_for(user)
        boost = BoostFactory(price_coins=10)
        assert buy(client, boost).status_code == 201  # the first one warms the catalogs, as in a running process
        with django_assert_max_num_queries(14):
            assert buy(client, boost).status_code == 201


def test_purchases_count_toward_an_achievement_that_unlocks_once(buyer, client):
    from apps.achievements.tests.factories import AchievementFactory

    AchievementFactory(code="collector", title="Collector", trigger="items_bought", threshold=3, reward_crystals=4)
    boost = BoostFactory(price_coins=10)
    first = buy(client, boost, currency="coins", quantity=2).json()
    second = buy(client, boost, currency="coins", quantity=1).json()
    third = buy(client, boost, currency="coins", quantity=1).json()

    assert first["rewards"]["achievements"] == []
    assert [a["code"] for a in second["rewards"]["achievements"]] == ["collector"]
    assert second["rewards"]["crystals"] == 4
    assert third["rewards"]["achievements"] == []
    assert stat(buyer, "items_bought") == 4 and stat(buyer, "coins_spent") == 40
    assert Wallet.objects.get(user=buyer).crystals == 20 + 4
