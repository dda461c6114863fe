"""Concurrent uses on PostgreSQL: one active boost per type, one item consumed."""
from decimal import Decimal

import pytest

from apps.boosts.models import ActiveBoost, BoostSlot
from apps.boosts.services import BoostAlreadyActive, boost_use
from apps.core.testing import is_postgres, run_concurrently
from apps.inventory.models import InventoryItem, InventoryLedgerEntry

from .factories import BoostItemFactory, give

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]


def _ledger_matches(row: InventoryItem) -> bool:
    amounts = InventoryLedgerEntry.objects.filter(user_id=row.user_id, item_id=row.item_id).values_list("amount", flat=True)
    return sum(amounts) == row.quantity


def test_ten_concurrent_uses_of_one_boost_type_activate_exactly_one(make_user):
    user = make_user("racer")
    row = give(user, BoostItemFactory(boost_type="xp"), quantity=10)

    results = run_concurrently(*[lambda: boost_use(user=user, inventory_item_id=row.pk)] * 10)

    wins = [r for r in results if isinstance(r, ActiveBoost)]
    refused = [r for r in results if isinstance(r, BoostAlreadyActive)]
    assert len(wins) == 1 and len(refused) == 9, results
    row.refresh_from_db()
    assert row.quantity == 9
    assert _ledger_matches(row)
    assert ActiveBoost.objects.filter(user=user).count() == 1
    assert BoostSlot.objects.get(user=user, type="xp").active_until == wins[0].expires_at


def test_concurrent_first_uses_from_two_items_of_one_type_activate_exactly_one(make_user):
    user = make_user("racer2")
    rows = [
        give(user, BoostItemFactory(boost_type="coins"), quantity=5),
        give(user, BoostItemFactory(boost_type="coins", multiplier=Decimal("3")), quantity=5),
    ]
    calls = [lambda pk=rows[i % 2].pk: boost_use(user=user, inventory_item_id=pk) for i in range(10)]

    results = run_concurrently(*calls)

    assert sum(isinstance(r, ActiveBoost) for r in results) == 1, results
    assert sum(isinstance(r, BoostAlreadyActive) for r in results) == 9, results
    for row in rows:
        row.refresh_from_db()
        assert _ledger_matches(row)
    assert sum(r.quantity for r in rows) == 9
    assert BoostSlot.objects.filter(user=user).count() == 1
