import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.progression.services import progress_grant
from apps.wallet.models import LedgerEntry, Wallet

from .factories import assert_balances_match_ledger, balances

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "wallet/wallet",
    "wallet/ledgerentry",
    "stats/statcounter",
    "stats/dailyactivity",
    "streaks/streak",
    "streaks/streakmilestoneclaim",
    "achievements/achievement",
    "achievements/userachievement",
]


@pytest.fixture
def admin_client(db):
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "s3cret-Passw0rd!")
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_changelists_load(admin_client, user, page):
    progress_grant(user=user, xp=300, coins=5, reason="gift")
    r = admin_client.get(f"/admin/{page}/")
    assert r.status_code == 200, r.content[:500]


@pytest.mark.parametrize("page", ["wallet/wallet", "wallet/ledgerentry", "stats/statcounter", "streaks/streak"])
def test_value_rows_cannot_be_added_edited_or_deleted(admin_client, user, page):
    assert admin_client.get(f"/admin/{page}/add/").status_code == 403
    progress_grant(user=user, coins=5, reason="gift")
    wallet = Wallet.objects.get(user=user)
    r = admin_client.post(f"/admin/wallet/wallet/{wallet.pk}/change/", {"coins": 10_000})
    assert r.status_code == 403
    assert admin_client.post(f"/admin/wallet/wallet/{wallet.pk}/delete/", {"post": "yes"}).status_code == 403
    assert balances(user.pk)["coins"] == 5


def test_wallet_detail_shows_balances_read_only(admin_client, user):
    progress_grant(user=user, coins=5, reason="gift")
    r = admin_client.get(f"/admin/wallet/wallet/{user.pk}/change/")
    assert r.status_code == 200 and b"coins: 5" in r.content


def wallet_action(admin_client, action, users, amount, reason="admin gift"):
    return admin_client.post(
        "/admin/wallet/wallet/",
        {"action": action, "_selected_action": [u.pk for u in users], "amount": amount, "reason": reason},
        follow=True,
    )


def test_grant_action_goes_through_progress_grant(admin_client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    r = wallet_action(admin_client, "grant_xp", [alice, bob], 700)
    assert r.status_code == 200
    for who in (alice, bob):
        assert balances(who.pk) == {"xp": 700, "coins": 140, "crystals": 0}  # levelled up, level-up coins paid
        root = get_user_model().objects.get(username="root")
        assert LedgerEntry.objects.filter(user=who, reason="admin gift", ref=f"admin:{root.pk}").exists()
        assert_balances_match_ledger(who.pk)
    wallet_action(admin_client, "grant_crystals", [alice], 3)
    wallet_action(admin_client, "grant_coins", [alice], 10)
    assert balances(alice.pk) == {"xp": 700, "coins": 150, "crystals": 3}


def test_debit_action_refuses_an_overdraw_per_wallet(admin_client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    progress_grant(user=alice, coins=50, reason="gift")
    r = wallet_action(admin_client, "debit_coins", [alice, bob], 30, reason="chargeback")
    messages = [str(m) for m in r.context["messages"]]
    assert any("Debited 30 coins: alice" in m for m in messages)
    assert any("Nothing changed for: bob" in m for m in messages)
    assert balances(alice.pk)["coins"] == 20 and balances(bob.pk)["coins"] == 0
    assert_balances_match_ledger(alice.pk)


def test_an_action_without_amount_or_reason_changes_nothing(admin_client, user):
    r = wallet_action(admin_client, "grant_coins", [user], "", reason="x")
    assert any("an amount from 1 to 1,000,000,000 and a reason" in str(m) for m in r.context["messages"])
    wallet_action(admin_client, "grant_coins", [user], 5, reason="")
    wallet_action(admin_client, "grant_coins", [user], -5, reason="x")
    # Past the limit, or past what the database holds: refused, never a 500.
    for amount in (1_000_000_001, 10**19):
        r = wallet_action(admin_client, "grant_xp", [user], amount, reason="x")
        assert r.status_code == 200 and any("from 1 to" in str(m) for m in r.context["messages"])
    assert LedgerEntry.objects.filter(user=user).count() == 0


def test_staff_without_the_change_permission_cannot_grant(db, user):
    staff = get_user_model().objects.create_user("viewer", "viewer@example.com", "s3cret-Passw0rd!", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_wallet"))
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/wallet/wallet/").status_code == 200
    wallet_action(client, "grant_coins", [user], 5)
    assert balances(user.pk)["coins"] == 0


def test_the_ledger_ref_of_an_admin_grant_fits_whatever_the_admins_name(db, user):
    staff = get_user_model().objects.create_superuser("a" * 150, "long@example.com", "s3cret-Passw0rd!")
    client = Client()
    client.force_login(staff)
    wallet_action(client, "grant_coins", [user], 5)
    entry = LedgerEntry.objects.get(user=user, reason="admin gift")
    max_length = LedgerEntry._meta.get_field("ref").max_length
    assert entry.ref == f"admin:{staff.pk}" and len(entry.ref) <= max_length
