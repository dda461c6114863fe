"""The admin's login form shares the API's `login` rate: per IP and per account."""
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "s3cret-Passw0rd!"


@pytest.fixture(autouse=True)
def login_rate_of_two(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login": "2/min"})
    # A stopped clock in the middle of a minute: no test straddles a window boundary.
    with time_machine.travel(datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC), tick=False):
        yield


def sign_in(ip, username, password="wrong-password"):
    return Client(REMOTE_ADDR=ip).post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_sign_in_attempts_from_one_address_over_the_rate_are_a_429():
    assert [sign_in("10.0.0.1", f"guess{i}").status_code for i in range(3)] == [200, 200, 429]
    refused = sign_in("10.0.0.1", "guess9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert sign_in("10.0.0.2", "someone").status_code == 200  # another address has its own count


def test_guesses_at_one_account_spread_over_addresses_are_a_429():
    assert [sign_in(f"10.0.1.{i}", "Boss").status_code for i in range(3)] == [200, 200, 429]
    assert sign_in("10.0.1.9", "  boss ").status_code == 429  # the account, in any case and spacing


def test_the_form_itself_is_not_counted():
    assert [Client(REMOTE_ADDR="10.0.2.1").get(LOGIN).status_code for _ in range(4)] == [200] * 4
    assert sign_in("10.0.2.1", "guess").status_code == 200


def test_the_api_and_the_admin_share_one_bucket_per_address(make_user):
    api = APIClient(REMOTE_ADDR="10.0.3.1")
    for _ in range(2):
        assert api.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json").status_code == 401
    assert sign_in("10.0.3.1", "admin").status_code == 429


def test_staff_sign_in_within_the_rate_works(make_user):
    chief = make_user("chief")
    type(chief).objects.filter(pk=chief.pk).update(is_staff=True, is_superuser=True)
    response = sign_in("10.0.4.1", "chief", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
