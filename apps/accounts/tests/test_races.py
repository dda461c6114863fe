"""Concurrent registrations and refreshes (PostgreSQL: real constraints and row locks)."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.core.testing import is_postgres, run_concurrently
from apps.wallet.models import Wallet

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks and constraints"),
]

User = get_user_model()


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {k: "100000/min" for k in ("anon", "user", "login", "spend", "ai")})


def test_concurrent_registrations_of_one_name_in_any_case_create_one_user():
    names = ["Racer", "racer", "RACER", "rAcEr", "racer", "Racer", "RaCeR", "racer"]

    def register(i, name):
        def call():
            r = APIClient().post(
                "/api/v1/auth/register/",
                {"username": name, "email": f"racer{i}@example.com", "password": "s3cret-Passw0rd!"},
                format="json",
            )
            return r.status_code, r.json()

        return call

    results = run_concurrently(*[register(i, n) for i, n in enumerate(names)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1, results
    assert all(status == 400 for status in statuses if status != 201), results
    assert all(body["code"] == "validation_error" for status, body in results if status == 400)
    assert User.objects.filter(username__iexact="racer").count() == 1
    assert Wallet.objects.count() == 1


def test_a_refresh_token_used_at_once_by_several_clients_rotates_once(make_user):
    from apps.accounts.services import tokens_for

    user = make_user("twice")
    refresh = tokens_for(user)["refresh"]

    def call():
        return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json").status_code

    results = run_concurrently(*[call for _ in range(6)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert set(results) <= {200, 401}, results
    # One rotation: a stolen copy replayed concurrently must not fork a second token family.
    assert results.count(200) == 1, results
    # Whatever happened at once, the old token is dead afterwards.
    assert call() == 401


def test_a_refresh_rotated_while_the_password_changes_does_not_survive_it(make_user):
    from apps.accounts.services import tokens_for
    from conftest import client_for

    user = make_user("rotor", password="0ld-Passw0rd-xyz")
    passwords = ["0ld-Passw0rd-xyz", "n3w-Passw0rd-xyz"]
    rotated = 0
    for round_ in range(15):
        refresh = tokens_for(user)["refresh"]
        old, new = passwords[round_ % 2], passwords[(round_ + 1) % 2]

        def rotate(refresh=refresh):
            return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")

        def change(body={"old_password": old, "new_password": new}):  # noqa: B006 - read only
            return client_for(user).post("/api/v1/me/password/", body, format="json")

        rotation, changed = run_concurrently(rotate, change)
        assert changed.status_code == 204, changed.content
        if rotation.status_code == 200:
            rotated += 1
            again = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": rotation.json()["refresh"]}, format="json")
            assert again.status_code == 401, (round_, again.content)
        else:
            assert rotation.status_code == 401, rotation.content
    assert rotated  # some rotations won the race, so the check above ran
