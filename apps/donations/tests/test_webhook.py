import hashlib
import hmac
import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.donations.models import Donation
from apps.wallet.models import LedgerEntry, Wallet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]

URL = "/api/v1/donations/webhook/"
SECRET = "whsec-test-0123456789"


@pytest.fixture
def webhook_secret():
    with override_settings(DONATION_WEBHOOK_SECRET=SECRET):
        yield


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(raw, *, signature="sign", content_type="application/json"):
    raw = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    headers = {}
    if signature == "sign":
        headers["HTTP_X_SIGNATURE"] = sign(raw)
    elif signature is not None:
        headers["HTTP_X_SIGNATURE"] = signature
    return APIClient().generic("POST", URL, raw, content_type=content_type, **headers)


def crystals_of(user) -> int:
    return Wallet.objects.get(user=user).crystals


def crystal_ledger(user):
    return list(LedgerEntry.objects.filter(user=user, currency="crystals").values_list("amount", "reason", "ref"))


def test_a_signed_webhook_credits_crystals_through_the_ledger(user):
    response = post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "payment_id": "pay_1",
        "user_id": user.pk,
        "crystals": 50,
        "credited": True,
        "crystals_balance": 50,
    }
    assert "Idempotent-Replayed" not in response
    assert crystals_of(user) == 50
    assert crystal_ledger(user) == [(50, "donation", "donation:pay_1")]
    donation = Donation.objects.get()
    assert (donation.user, donation.crystals, donation.payload) == (
        user,
        50,
        {"payment_id": "pay_1", "user_id": user.pk, "crystals": 50},
    )


def test_the_signature_is_over_the_raw_bytes_whatever_their_formatting(user):
    raw = b'{ "crystals": 5,\n  "user_id": %d, "payment_id": "pay_raw" }' % user.pk
    response = post(raw, content_type="text/plain")  # parsed from the signed bytes, not by Content-Type
    assert response.status_code == 200, response.content
    assert crystals_of(user) == 5


def test_an_uppercase_hex_signature_is_accepted(user):
    raw = json.dumps({"payment_id": "pay_up", "user_id": user.pk, "crystals": 1}).encode()
    response = post(raw, signature="sha256=" + sign(raw).removeprefix("sha256=").upper())
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=deadbeef",
        "md5=0123",
        "sha256=ünïcode",
        sign(b"another body"),
        "sha256=" + hmac.new(b"wrong-secret", b"x", hashlib.sha256).hexdigest(),
    ],
    ids=["missing", "empty", "empty-hex", "short", "other-algo", "non-ascii", "other-body", "other-secret"],
)
def test_a_missing_or_bad_signature_is_401_and_credits_nothing(user, signature):
    response = post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}, signature=signature)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "invalid_signature"
    assert crystals_of(user) == 0 and not Donation.objects.exists()


def test_a_body_signed_with_the_wrong_secret_is_401(user):
    raw = json.dumps({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}).encode()
    response = post(raw, signature=sign(raw, secret="not-the-secret"))
    assert response.status_code == 401


def test_without_a_configured_secret_the_webhook_is_503(user):
    raw = json.dumps({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}).encode()
    with override_settings(DONATION_WEBHOOK_SECRET=""):
        response = post(raw, signature=sign(raw, secret=""))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not Donation.objects.exists()


def test_a_replay_returns_the_first_result_and_credits_nothing(user):
    body = {"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}
    first = post(body)
    post({"payment_id": "pay_2", "user_id": user.pk, "crystals": 7})  # the balance moves on

    again = post(body)
    reordered = post(b'{"crystals": 50, "payment_id": "pay_1", "user_id": %d, "extra": "retry"}' % user.pk)

    for replay in (again, reordered):
        assert replay.status_code == 200
        assert replay.json() == first.json()  # crystals_balance as the first time: 50
        assert replay["Idempotent-Replayed"] == "true"
    assert crystals_of(user) == 57
    assert len(crystal_ledger(user)) == 2
    assert Donation.objects.count() == 2


@pytest.mark.parametrize("change", [{"crystals": 51}, {"user_id": "other"}])
def test_the_same_payment_id_with_another_amount_or_user_is_409_payment_conflict(user, make_user, change):
    bob = make_user("bob")
    post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50})
    body = {"payment_id": "pay_1", "user_id": user.pk, "crystals": 50, **change}
    if body["user_id"] == "other":
        body["user_id"] = bob.pk

    response = post(body)

    assert response.status_code == 409
    assert response.json()["code"] == "payment_conflict"
    assert crystals_of(user) == 50 and crystals_of(bob) == 0
    assert Donation.objects.count() == 1


def test_an_unknown_user_is_404_and_nothing_is_stored(user):
    response = post({"payment_id": "pay_1", "user_id": user.pk + 999, "crystals": 50})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Donation.objects.exists()
    # A corrected delivery of the same payment is still processed.
    assert post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}).status_code == 200


def test_a_replay_after_the_account_is_deleted_still_answers_the_first_result(user):
    first = post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50}).json()
    user_id = user.pk
    user.delete()
    replay = post({"payment_id": "pay_1", "user_id": user_id, "crystals": 50})
    assert replay.status_code == 200 and replay.json() == first
    assert Donation.objects.get().user is None


GOOD = {"payment_id": "pay_1", "crystals": 50}


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (b"not json", "parse_error", None),
        (b"", "parse_error", None),
        (b"\xff\xfe", "parse_error", None),
        (b'{"payment_id": "pay_1"', "parse_error", None),
        (b"[1, 2]", "validation_error", None),
        (b"null", "validation_error", None),
        (b'"a string"', "validation_error", None),
        ({**GOOD, "crystals": "abc"}, "validation_error", "crystals"),
        ({**GOOD, "crystals": "50"}, "validation_error", "crystals"),
        ({**GOOD, "crystals": -5}, "validation_error", "crystals"),
        ({**GOOD, "crystals": 0}, "validation_error", "crystals"),
        ({**GOOD, "crystals": 2.5}, "validation_error", "crystals"),
        ({**GOOD, "crystals": 50.0}, "validation_error", "crystals"),
        ({**GOOD, "crystals": True}, "validation_error", "crystals"),
        ({**GOOD, "crystals": None}, "validation_error", "crystals"),
        ({**GOOD, "crystals": 10**30}, "validation_error", "crystals"),
        ({**GOOD, "crystals": 100_001}, "validation_error", "crystals"),
        ({"payment_id": "pay_1"}, "validation_error", "crystals"),
        ({"crystals": 5}, "validation_error", "payment_id"),
        ({**GOOD, "payment_id": ""}, "validation_error", "payment_id"),
        ({**GOOD, "payment_id": "has space"}, "validation_error", "payment_id"),
        ({**GOOD, "payment_id": "x" * 92}, "validation_error", "payment_id"),
        ({**GOOD, "payment_id": 123}, "validation_error", "payment_id"),
        ({**GOOD, "payment_id": {"a": 1}}, "validation_error", "payment_id"),
        ({**GOOD, "user_id": "abc"}, "validation_error", "user_id"),
        ({**GOOD, "user_id": 10**30}, "validation_error", "user_id"),
        ({**GOOD, "user_id": -1}, "validation_error", "user_id"),
    ],
)
def test_invalid_payloads_are_400_and_credit_nothing(user, raw, code, field):
    if isinstance(raw, dict):
        raw = {"user_id": user.pk, **raw}
    response = post(raw)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    if field:
        assert field in body["errors"]
    assert crystals_of(user) == 0 and not Donation.objects.exists()


def test_the_webhook_needs_no_jwt_and_ignores_one(user):
    raw = json.dumps({"payment_id": "pay_jwt", "user_id": user.pk, "crystals": 3}).encode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.generic("POST", URL, raw, content_type="application/json", HTTP_X_SIGNATURE=sign(raw))
    assert response.status_code == 200, response.content


def test_get_is_not_allowed():
    assert APIClient().get(URL).status_code == 405


def test_a_payment_id_of_the_longest_allowed_length_fits_the_ledger_ref(user):
    payment_id = "p" * 91
    response = post({"payment_id": payment_id, "user_id": user.pk, "crystals": 1})
    assert response.status_code == 200, response.content
    assert crystal_ledger(user) == [(1, "donation", f"donation:{payment_id}")]


def test_export_lists_the_users_donations(user):
    from apps.donations.account import export

    post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50})
    [row] = export(user)["donations"]
    assert (row["payment_id"], row["crystals"]) == ("pay_1", 50)


def test_donations_are_read_only_in_the_admin(user, make_user):
    from django.contrib.auth import get_user_model
    from django.test import Client

    post({"payment_id": "pay_1", "user_id": user.pk, "crystals": 50})
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-0123456789")
    client = Client()
    client.force_login(admin)
    donation = Donation.objects.get()
    listing = client.get("/admin/donations/donation/")
    assert listing.status_code == 200 and b"pay_1" in listing.content
    page = client.get(f"/admin/donations/donation/{donation.pk}/change/")
    assert page.status_code == 200
    assert b'name="crystals"' not in page.content  # shown, not editable
    assert client.get("/admin/donations/donation/add/").status_code == 403


def test_a_deeply_nested_signed_body_is_parse_error(user):
    # The webhook parses the signed bytes itself: 1,000 levels raised RecursionError (a 500).
    response = post(b"[" * 1000 + b"]" * 1000)

    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "parse_error"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_413(user):
    # Django's own limit on request.body raised RequestDataTooBig: a 400 `bad_request`.
    response = post({"payment_id": "p" * 2000, "user_id": user.pk, "crystals": 1})

    assert response.status_code == 413, response.content[:200]
    assert response.json()["code"] == "request_too_large"
