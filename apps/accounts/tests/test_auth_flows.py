"""Register, log in, refresh, log out, change password, delete the account."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.streaks.models import Streak
from apps.wallet.models import Wallet
from conftest import client_for

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "s3cret-Passw0rd!"
REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def register(client, **overrides):
    body = {"username": "bob", "email": "bob@example.com", "password": PASSWORD, **overrides}
    return client.post(REGISTER, body, format="json")


def login(username, password=PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- register ---------------------------------------------------------------


def test_register_returns_profile_and_working_tokens(api_client):
    r = register(api_client, timezone="Europe/Berlin", day_start_hour=4)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"user", "access", "refresh"}
    assert body["user"]["username"] == "bob"
    assert body["user"]["email"] == "bob@example.com"
    assert body["user"]["timezone"] == "Europe/Berlin"
    assert body["user"]["day_start_hour"] == 4
    assert body["user"]["level"] == 1 and body["user"]["coins"] == 0 and body["user"]["xp"] == 0
    assert "password" not in body["user"]
    me = bearer(body["access"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
    refreshed = APIClient().post(REFRESH, {"refresh": body["refresh"]}, format="json")
    assert refreshed.status_code == 200, refreshed.content
    # Every player has a wallet and a streak from the start.
    user = User.objects.get(username="bob")
    assert Wallet.objects.filter(user=user).exists() and Streak.objects.filter(user=user).exists()
    assert user.check_password(PASSWORD) and user.password != PASSWORD


def test_register_defaults_to_utc_and_day_start_zero(api_client):
    body = register(api_client).json()["user"]
    assert body["timezone"] == "UTC" and body["day_start_hour"] == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"username": "BOB"}, "username"),
        ({"username": "Bob"}, "username"),
        ({"email": "BOB@Example.COM", "username": "other"}, "email"),
    ],
)
def test_duplicate_username_or_email_in_any_case_is_400(api_client, overrides, field):
    assert register(api_client).status_code == 201
    r = register(api_client, **{"email": "new@example.com", **overrides})
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "password",
    ["short1!", "password", "12345678901", "bob@example.com", "Bob12345"],
)
def test_weak_password_is_400_and_creates_nothing(api_client, password):
    r = register(api_client, password=password)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error"
    assert "password" in r.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Europe"}, "timezone"),
        ({"day_start_hour": 24}, "day_start_hour"),
        ({"day_start_hour": -1}, "day_start_hour"),
        ({"username": "a b"}, "username"),
        ({"username": "ab"}, "username"),
        ({"email": "nope"}, "email"),
    ],
)
def test_register_rejects_bad_fields(api_client, overrides, field):
    r = register(api_client, **overrides)
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"]
    assert not User.objects.exists()


def test_register_needs_no_token_and_ignores_a_bad_one(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert register(api_client).status_code == 201


# --- log in -------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.com", "Alice@Example.com"])
def test_login_with_username_or_email_in_any_case(user, identifier):
    r = login(identifier)
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"access", "refresh"}
    assert bearer(body["access"]).get("/api/v1/me/").json()["username"] == "alice"


@pytest.mark.parametrize("identifier, password", [("alice", "wrong-Passw0rd!"), ("nobody", PASSWORD), ("nobody@example.com", "x")])
def test_wrong_credentials_are_401_authentication_failed(user, identifier, password):
    r = login(identifier, password)
    assert r.status_code == 401, r.content
    body = r.json()
    assert body["code"] == "authentication_failed"
    assert set(body) == {"code", "detail"}


def test_inactive_user_cannot_log_in(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    r = login("alice")
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"


def test_login_with_missing_fields_is_400(user):
    r = APIClient().post(TOKEN, {"username": "alice"}, format="json")
    assert r.status_code == 400 and "password" in r.json()["errors"]


# --- refresh ------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_is_rejected(user):
    first = login("alice").json()
    r = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert r.status_code == 200, r.content
    second = r.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]
    assert bearer(second["access"]).get("/api/v1/me/").status_code == 200

    again = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert again.status_code == 401, again.content
    assert again.json()["code"] == "token_not_valid"
    # The new one still works (and rotates in turn).
    assert APIClient().post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("refresh", ["garbage", "", "a.b.c"])
def test_refresh_with_a_bad_token(refresh):
    r = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert r.status_code in (400, 401), r.content
    assert r.json()["code"] == ("validation_error" if refresh == "" else "token_not_valid")


def test_access_token_cannot_be_used_to_refresh(user):
    tokens = login("alice").json()
    r = APIClient().post(REFRESH, {"refresh": tokens["access"]}, format="json")
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid"


def test_refresh_of_a_deleted_account_is_401(make_user):
    gone = make_user("gone")
    tokens = login("gone").json()
    gone.delete()
    r = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert r.status_code == 401, r.content
    assert r.json()["code"] in {"token_not_valid", "authentication_failed"}


# --- log out ------------------------------------------------------------------


def test_logout_then_that_refresh_no_longer_works(user):
    tokens = login("alice").json()
    r = bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert r.status_code == 204, r.content
    assert r.content == b""
    again = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401 and again.json()["code"] == "token_not_valid"
    # Logging out twice is harmless.
    assert bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 204


def test_logout_only_ends_that_session(user):
    phone, laptop = login("alice").json(), login("alice").json()
    assert bearer(phone["access"]).post(LOGOUT, {"refresh": phone["refresh"]}, format="json").status_code == 204
    assert APIClient().post(REFRESH, {"refresh": laptop["refresh"]}, format="json").status_code == 200


def test_logout_needs_authentication(user):
    tokens = login("alice").json()
    r = APIClient().post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_logout_with_someone_elses_refresh_is_400_and_keeps_it_valid(make_user):
    make_user("alice"), make_user("mallory")
    alice, mallory = login("alice").json(), login("mallory").json()
    r = bearer(mallory["access"]).post(LOGOUT, {"refresh": alice["refresh"]}, format="json")
    assert r.status_code == 400 and "refresh" in r.json()["errors"]
    assert APIClient().post(REFRESH, {"refresh": alice["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": "garbage"}, {"refresh": None}])
def test_logout_with_a_bad_body_is_400(user, body):
    tokens = login("alice").json()
    r = bearer(tokens["access"]).post(LOGOUT, body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error" and "refresh" in r.json()["errors"]


def test_logout_with_an_access_token_instead_of_a_refresh_is_400(user):
    tokens = login("alice").json()
    r = bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["access"]}, format="json")
    assert r.status_code == 400, r.content


# --- password -----------------------------------------------------------------


def test_password_change_then_only_the_new_password_logs_in(user):
    tokens = login("alice").json()
    client = bearer(tokens["access"])
    r = client.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "n3w-Passw0rd-xyz"}, format="json")
    assert r.status_code == 204, r.content
    assert login("alice").status_code == 401
    assert login("alice", "n3w-Passw0rd-xyz").status_code == 200
    # Every other session is logged out: their refresh tokens stop working.
    refreshed = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401 and refreshed.json()["code"] == "token_not_valid"


def test_password_change_with_wrong_old_password_is_400_and_changes_nothing(user):
    r = client_for(user).post(
        "/api/v1/me/password/", {"old_password": "nope-Passw0rd!", "new_password": "n3w-Passw0rd-xyz"}, format="json"
    )
    assert r.status_code == 400 and "old_password" in r.json()["errors"]
    assert login("alice").status_code == 200


def test_password_change_to_a_weak_password_is_400(user):
    r = client_for(user).post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "123"}, format="json")
    assert r.status_code == 400 and "new_password" in r.json()["errors"]
    assert login("alice").status_code == 200


# --- delete the account -------------------------------------------------------


def test_delete_me_with_wrong_password_is_400_and_keeps_the_account(user):
    r = client_for(user).delete("/api/v1/me/", {"password": "wrong-Passw0rd!"}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error" and "password" in r.json()["errors"]
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_without_a_password_is_400(user):
    r = client_for(user).delete("/api/v1/me/")
    assert r.status_code == 400 and "password" in r.json()["errors"]
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_with_the_right_password_removes_the_user_and_their_data(user):
    tokens = login("alice").json()
    client = bearer(tokens["access"])
    r = client.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert r.status_code == 204, r.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Wallet.objects.filter(user_id=user.pk).exists()
    assert not Streak.objects.filter(user_id=user.pk).exists()
    assert login("alice").status_code == 401
    assert client.get("/api/v1/me/").status_code == 401
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    # The name is free again.
    assert register(APIClient(), username="alice", email="alice@example.com").status_code == 201


def test_export_is_one_json_document_with_the_account(user):
    import json

    r = client_for(user).get("/api/v1/me/export/")
    assert r.status_code == 200
    assert r.streaming and r["Content-Type"] == "application/json"  # written as it is read
    body = json.loads(b"".join(r.streaming_content))
    assert body["accounts"]["username"] == "alice"
    assert body["accounts"]["email"] == "alice@example.com"
    assert "password" not in body["accounts"]


def test_a_username_that_is_someone_elses_email_does_not_lock_them_out(make_user):
    # The squatter's account is the older one.
    make_user("victim@example.com", email="squatter@example.com", password="squ4tter-Passw0rd!")
    make_user("victim", email="victim@example.com", password="v1ctim-Passw0rd!")
    victim = login("VICTIM@example.com", "v1ctim-Passw0rd!")
    assert victim.status_code == 200, victim.content
    assert bearer(victim.json()["access"]).get("/api/v1/me/").json()["username"] == "victim"
    squatter = login("victim@example.com", "squ4tter-Passw0rd!")
    assert bearer(squatter.json()["access"]).get("/api/v1/me/").json()["username"] == "victim@example.com"
    assert login("victim@example.com", "wrong-Passw0rd!").status_code == 401


def test_a_blank_refresh_token_is_a_token_that_does_not_work(api_client):
    # Tokens are opaque, not trimmed: " " was a 400 "may not be blank" though the schema allowed it.
    r = api_client.post("/api/v1/auth/token/refresh/", {"refresh": "   "}, format="json")
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid"
