"""Concurrent purchases and equips on PostgreSQL (real row locks): exactly one effect."""
import pytest
from django.db.models import Sum

from apps.core.testing import is_postgres, run_concurrently
from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import inventory_grant
from apps.shop.services import inventory_equip
from apps.wallet.models import LedgerEntry, Wallet
from conftest import client_for

from .factories import FreezeFactory, ItemFactory, fund

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]


def ledger_sum(user, currency):
    return LedgerEntry.objects.filter(user=user, currency=currency).aggregate(s=Sum("amount"))["s"] or 0


def post_purchase(user, item, quantity=1):
    def call():
        client = client_for(user)
        return client.post(
            f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": quantity}, format="json"
        )

    return call


def test_20_concurrent_purchases_with_coins_for_one(make_user):
    user = make_user("racer")
    fund(user, coins=100)
    items = ItemFactory.create_batch(20, price_coins=100)  # twenty different cosmetics, one affordable at a time

    results = run_concurrently(*(post_purchase(user, item) for item in items))

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [201] + [409] * 19, statuses
    assert all(r.json()["code"] == "insufficient_funds" for r in results if r.status_code == 409)
    wallet = Wallet.objects.get(user=user)
    assert wallet.coins == 0 == ledger_sum(user, "coins")
    assert InventoryItem.objects.filter(user=user, quantity__gt=0).count() == 1
    assert LedgerEntry.objects.filter(user=user, reason="item_purchase").count() == 1


def test_concurrent_purchases_of_one_cosmetic_own_it_once(make_user):
    user = make_user("twice")
    fund(user, coins=1000)
    item = ItemFactory(price_coins=100)

    results = run_concurrently(*(post_purchase(user, item) for _ in range(8)))

    codes = sorted(r.status_code for r in results)
    assert codes == [201] + [409] * 7, codes
    assert InventoryItem.objects.get(user=user, item=item).quantity == 1
    assert Wallet.objects.get(user=user).coins == 900 == ledger_sum(user, "coins")


def test_concurrent_freeze_purchases_stop_at_the_limit(make_user, settings):
    settings.DREAMTRACK_MAX_STREAK_FREEZES = 2
    user = make_user("freezer")
    fund(user, coins=1000)
    freeze = FreezeFactory(price_coins=10)

    results = run_concurrently(*(post_purchase(user, freeze) for _ in range(6)))

    assert sorted(r.status_code for r in results) == [201, 201, 409, 409, 409, 409]
    assert InventoryItem.objects.get(user=user, item=freeze).quantity == 2
    assert Wallet.objects.get(user=user).coins == 980 == ledger_sum(user, "coins")


def test_concurrent_equips_leave_one_item_in_the_slot(make_user):
    user = make_user("dresser")
    rows = [inventory_grant(user_id=user.pk, item_id=ItemFactory(type="avatar").pk, quantity=1, reason="test") for _ in range(6)]

    results = run_concurrently(*(lambda row=row: inventory_equip(user=user, inventory_item_id=row.pk) for row in rows))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert InventoryItem.objects.filter(user=user, equipped=True, slot="avatar").count() == 1
    assert InventoryLedgerEntry.objects.filter(user=user).count() == 6
