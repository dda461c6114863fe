from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.wallet.models import LedgerEntry

from .factories import assert_balances_match_ledger, balances

pytestmark = pytest.mark.django_db


def grant(*args):
    out = StringIO()
    call_command("grant", *args, stdout=out)
    return out.getvalue()


def test_grant_credits_through_the_ledger(user):
    out = grant("alice", "--coins", "100", "--crystals", "3", "--reason", "support ticket 42")
    assert balances(user.pk) == {"xp": 0, "coins": 100, "crystals": 3}
    entries = list(LedgerEntry.objects.filter(user=user).values_list("currency", "amount", "reason", "ref"))
    assert sorted(entries) == [("coins", 100, "support ticket 42", "grant:cli"), ("crystals", 3, "support ticket 42", "grant:cli")]
    assert "100 coins" in out


def test_granted_xp_levels_up_and_pays_level_up_coins(user):
    out = grant("ALICE", "--xp", "700", "--reason", "event prize")  # usernames are case-insensitive
    assert balances(user.pk) == {"xp": 700, "coins": 140, "crystals": 0}
    assert "Level 1 -> 5" in out
    assert_balances_match_ledger(user.pk)


def test_a_negative_amount_debits(user):
    grant("alice", "--coins", "50", "--reason", "gift")
    grant("alice", "--coins", "-20", "--reason", "refund reversal")
    assert balances(user.pk)["coins"] == 30
    assert LedgerEntry.objects.filter(user=user, amount=-20, balance_after=30).exists()


def test_a_debit_beyond_the_balance_is_a_clear_error_and_changes_nothing(user):
    grant("alice", "--coins", "10", "--reason", "gift")
    with pytest.raises(CommandError, match=r"Not enough coins\. alice has 0 XP, 10 coins, 0 crystals\. Nothing was changed\."):
        grant("alice", "--coins", "-11", "--xp", "500", "--reason", "oops")
    assert balances(user.pk) == {"xp": 0, "coins": 10, "crystals": 0}
    assert LedgerEntry.objects.filter(user=user).count() == 1


def test_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match='User "nobody" does not exist'):
        grant("nobody", "--coins", "1", "--reason", "x")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--coins", "1"], "--reason"),
        (["--coins", "1", "--reason", "   "], "must not be blank"),
        (["--coins", "1", "--reason", "x" * 65], "at most 64"),
        (["--reason", "nothing"], "Nothing to grant"),
        (["--coins", "ten", "--reason", "x"], "invalid int value"),
    ],
)
def test_bad_arguments_are_errors(user, args, message):
    with pytest.raises(CommandError, match=message):
        grant("alice", *args)
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("amount", ["1000000001", "-1000000001", str(10**19)])
def test_an_amount_past_the_grant_limit_is_a_clear_error(user, amount):
    with pytest.raises(CommandError, match=r"At most 1,000,000,000 of each per grant"):
        grant("alice", "--xp", amount, "--reason", "typo")
    assert LedgerEntry.objects.filter(user=user).count() == 0

