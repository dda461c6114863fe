"""The ledger audit finds each broken invariant, and nothing in a consistent database."""
import pytest
from django.core.management import CommandError, call_command

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.progression.audit import ledger_audit
from apps.shop.services import item_purchase
from apps.shop.tests.factories import BoostFactory, ItemFactory, fund
from apps.wallet.models import LedgerEntry, Wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(make_user):
    user = make_user("holder")
    fund(user, coins=1000, crystals=5, xp=300)
    item_purchase(user=user, item_id=BoostFactory().pk, currency="coins", quantity=2)
    item_purchase(user=user, item_id=ItemFactory().pk, currency="coins")
    return user


def test_a_consistent_database_passes(holder, make_user):
    make_user("empty")
    result = ledger_audit()
    assert result.ok, result.report()
    assert result.checked["wallets"] == 2
    assert result.checked["inventory rows"] == 2


def test_a_balance_that_differs_from_its_ledger_is_found(holder):
    Wallet.objects.filter(user=holder).update(coins=12345)
    result = ledger_audit()
    assert not result.ok
    assert any("coins balance 12345 != ledger sum" in p for p in result.problems)


def test_a_ledger_entry_without_its_balance_is_found(holder):
    LedgerEntry.objects.create(user=holder, currency="crystals", amount=7, balance_after=12, reason="forged",
                               created_at=LedgerEntry.objects.first().created_at)
    assert any("crystals balance 5 != ledger sum 12" in p for p in ledger_audit().problems)


def test_an_inventory_quantity_that_differs_from_its_ledger_is_found(holder):
    row = InventoryItem.objects.get(user=holder, item__type="boost")
    InventoryItem.objects.filter(pk=row.pk).update(quantity=5, locked_quantity=1)
    assert any(f"inventory {row.pk}" in p and "!= inventory ledger sum 2" in p for p in ledger_audit().problems)


def test_item_ledger_entries_without_a_row_are_found(holder):
    item = BoostFactory()
    InventoryLedgerEntry.objects.create(user=holder, item=item, amount=1, quantity_after=1, reason="forged")
    assert any(f"item {item.pk}: inventory ledger sums to 1 without a row" in p for p in ledger_audit().problems)


def test_the_audit_can_be_limited_to_some_users(holder, make_user):
    other = make_user("other")
    Wallet.objects.filter(user=holder).update(xp=1)
    assert ledger_audit(user_ids=[other.pk]).ok
    assert not ledger_audit(user_ids=[holder.pk]).ok


def test_the_command_prints_ok_or_fails(holder, capsys):
    call_command("ledger_audit")
    assert "ledger audit: ok" in capsys.readouterr().out
    Wallet.objects.filter(user=holder).update(coins=1)
    with pytest.raises(CommandError, match="coins balance 1 != ledger sum"):
        call_command("ledger_audit", "--user", str(holder.pk))
