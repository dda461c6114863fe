"""Concurrent deliveries of one payment on PostgreSQL: credited exactly once."""
import hashlib
import hmac
import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.core.testing import is_postgres, run_concurrently
from apps.donations.models import Donation
from apps.wallet.models import LedgerEntry, Wallet

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]

SECRET = "whsec-race"


@override_settings(DONATION_WEBHOOK_SECRET=SECRET)
def test_ten_concurrent_deliveries_of_one_payment_credit_once(make_user):
    user = make_user("donor")
    raw = json.dumps({"payment_id": "pay_race", "user_id": user.pk, "crystals": 25}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()

    def deliver():
        response = APIClient().generic(
            "POST", "/api/v1/donations/webhook/", raw, content_type="application/json", HTTP_X_SIGNATURE=signature
        )
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = run_concurrently(*[deliver] * 10)

    assert all(not isinstance(r, BaseException) for r in results), results
    assert {status for status, _, _ in results} == {200}
    bodies = {json.dumps(body, sort_keys=True) for _, body, _ in results}
    assert len(bodies) == 1 and json.loads(bodies.pop())["crystals_balance"] == 25
    assert sum(replayed != "true" for _, _, replayed in results) == 1  # one delivery credited, nine replayed
    assert Wallet.objects.get(user=user).crystals == 25
    ledger = LedgerEntry.objects.filter(user=user, currency="crystals")
    assert ledger.count() == 1 and sum(ledger.values_list("amount", flat=True)) == 25
    assert Donation.objects.filter(payment_id="pay_race").count() == 1


@override_settings(DONATION_WEBHOOK_SECRET=SECRET)
def test_concurrent_deliveries_past_the_unlocked_fast_path_still_credit_once(make_user, monkeypatch):
    """Every delivery skips the lock-free replay lookup, so only the unique
    payment_id (inserted with the credit, under the wallet lock) can stop them."""
    import threading

    from apps.donations import services

    real_lookup = services._stored_result
    seen = threading.local()
    went_locked_path = []

    def lookup_missing_first_time(**kwargs):
        if not getattr(seen, "called", False):
            seen.called = True
            return None
        went_locked_path.append(True)
        return real_lookup(**kwargs)

    monkeypatch.setattr(services, "_stored_result", lookup_missing_first_time)
    user = make_user("donor2")

    results = run_concurrently(
        *[lambda: services.donation_credit(payment_id="pay_locked", user_id=user.pk, crystals=9)] * 10
    )

    assert all(isinstance(r, services.DonationResult) for r in results), results
    assert sum(not r.replayed for r in results) == 1
    assert len(went_locked_path) == 9  # nine lost the INSERT race and answered with the stored result
    assert {r.body["crystals_balance"] for r in results} == {9}
    assert Wallet.objects.get(user=user).crystals == 9
    assert LedgerEntry.objects.filter(user=user, currency="crystals").count() == 1
