"""`me/`: what is writable, what is ignored, what is refused."""
from datetime import UTC

import pytest
from django.contrib.auth import get_user_model

from apps.wallet.models import Wallet
from conftest import client_for

pytestmark = pytest.mark.django_db

User = get_user_model()
ME = "/api/v1/me/"
PROFILE_FIELDS = {
    "id", "username", "email", "display_name", "bio", "timezone", "day_start_hour", "level", "xp",
    "xp_into_level", "xp_for_next_level", "coins", "crystals", "streak", "avatar", "icon", "background",
    "active_boosts",
}


def test_me_has_every_contract_field(user):
    body = client_for(user).get(ME).json()
    assert PROFILE_FIELDS <= set(body)
    assert set(body["streak"]) == {"current", "longest", "freezes"}
    assert body["xp_into_level"] == 0 and body["xp_for_next_level"] == 100
    for image in ("avatar", "icon", "background"):
        assert body[image].startswith("http://testserver/")
    assert body["active_boosts"] == []


def test_patch_writes_the_writable_fields(user):
    r = client_for(user).patch(
        ME,
        {"display_name": "Alice W.", "bio": "Hi 👋", "timezone": "Asia/Kolkata", "day_start_hour": 4, "email": "new@example.com"},
        format="json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["display_name"], body["bio"], body["timezone"], body["day_start_hour"], body["email"]) == (
        "Alice W.", "Hi 👋", "Asia/Kolkata", 4, "new@example.com",
    )
    user.refresh_from_db()
    assert (user.display_name, user.timezone, user.day_start_hour, user.email) == ("Alice W.", "Asia/Kolkata", 4, "new@example.com")
    assert client_for(user).get(ME).json() == body


def test_patch_ignores_read_only_fields(user):
    Wallet.objects.filter(user=user).update(coins=5)
    sent = {
        "id": 999999, "username": "hacker", "coins": 1_000_000, "crystals": 500, "level": 50, "xp": 10**9,
        "streak": {"current": 365, "longest": 365, "freezes": 2}, "avatar": "http://evil.example/x.png",
        "is_staff": True, "is_superuser": True, "password": "x", "date_joined": "2000-01-01T00:00:00Z",
        "active_boosts": [{"type": "xp", "multiplier": 100, "expires_at": "2099-01-01T00:00:00Z"}],
        "display_name": "Still Alice",
    }
    r = client_for(user).patch(ME, sent, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["id"] == user.pk and body["username"] == "alice"
    assert body["coins"] == 5 and body["crystals"] == 0 and body["level"] == 1 and body["xp"] == 0
    assert body["streak"]["current"] == 0 and body["active_boosts"] == []
    assert body["display_name"] == "Still Alice"
    user.refresh_from_db()
    assert user.username == "alice" and not user.is_staff and not user.is_superuser
    assert user.check_password("s3cret-Passw0rd!")
    wallet = Wallet.objects.get(user=user)
    assert (wallet.coins, wallet.crystals, wallet.xp) == (5, 0, 0)


def test_patch_with_nothing_writable_changes_nothing(user):
    before = client_for(user).get(ME).json()
    r = client_for(user).patch(ME, {"coins": 5}, format="json")
    assert r.status_code == 200 and r.json() == before
    r = client_for(user).patch(ME, {}, format="json")
    assert r.status_code == 200 and r.json() == before


@pytest.mark.parametrize("tz", ["Mars/Olympus", "europe/berlin", "Europe", "Europe/", "../etc/passwd", "", "x" * 300, "Europe/Berlin\u0000"])
def test_invalid_timezone_is_400_with_errors_timezone(user, tz):
    r = client_for(user).patch(ME, {"timezone": tz}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error"
    assert "timezone" in r.json()["errors"]
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_timezone_surrounding_spaces_are_trimmed(user):
    r = client_for(user).patch(ME, {"timezone": " Europe/Berlin "}, format="json")
    assert r.status_code == 200 and r.json()["timezone"] == "Europe/Berlin"


# "5": a string is not a JSON integer (the schema says integer; DRF alone would take it).
@pytest.mark.parametrize("hour", [24, -1, 100, "4am", 4.5, None, True, "5"])
def test_day_start_hour_out_of_range_is_400(user, hour):
    r = client_for(user).patch(ME, {"day_start_hour": hour}, format="json")
    assert r.status_code == 400, r.content
    assert "day_start_hour" in r.json()["errors"]
    user.refresh_from_db()
    assert user.day_start_hour == 0


@pytest.mark.parametrize("hour", [0, 23])
def test_day_start_hour_bounds_are_accepted(user, hour):
    r = client_for(user).patch(ME, {"day_start_hour": hour}, format="json")
    assert r.status_code == 200 and r.json()["day_start_hour"] == int(hour)


@pytest.mark.parametrize("email", ["bob@example.com", "BOB@EXAMPLE.COM"])
def test_email_of_another_user_is_400(make_user, email):
    alice = make_user("alice")
    make_user("bob")
    r = client_for(alice).patch(ME, {"email": email}, format="json")
    assert r.status_code == 400, r.content
    assert "email" in r.json()["errors"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_own_email_in_another_case_is_fine(user):
    r = client_for(user).patch(ME, {"email": "ALICE@example.com"}, format="json")
    assert r.status_code == 200 and r.json()["email"] == "ALICE@example.com"


def test_an_invalid_patch_writes_nothing_at_all(user):
    r = client_for(user).patch(ME, {"display_name": "New", "timezone": "Nowhere/Land"}, format="json")
    assert r.status_code == 400
    user.refresh_from_db()
    assert user.display_name == ""


def test_changing_timezone_moves_the_local_day(user):
    from datetime import datetime

    import time_machine

    from apps.core.localday import local_date

    with time_machine.travel(datetime(2026, 6, 1, 22, 30, tzinfo=UTC), tick=False):
        assert local_date(user).isoformat() == "2026-06-01"
        client_for(user).patch(ME, {"timezone": "Pacific/Kiritimati"}, format="json")
        user.refresh_from_db()
        assert local_date(user).isoformat() == "2026-06-02"


def test_me_needs_authentication(api_client):
    for method in ("get", "patch", "delete"):
        r = getattr(api_client, method)(ME, {}, format="json")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_me_query_count_is_fixed(user, django_assert_max_num_queries):
    client = client_for(user)
    with django_assert_max_num_queries(5):
        assert client.get(ME).status_code == 200


def test_users_search_and_public_profile(make_user):
    alice = make_user("alice")
    make_user("alfred"), make_user("bob")
    client = client_for(alice)
    r = client.get("/api/v1/users/?search=AL")
    assert r.status_code == 200
    body = r.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    assert [u["username"] for u in body["results"]] == ["alfred", "alice"]
    one = client.get(f"/api/v1/users/{alice.pk}/").json()
    assert set(one) == {"id", "username", "display_name", "level", "avatar", "icon", "background", "streak_current"}
    assert "email" not in one


def test_inactive_users_are_not_public(make_user):
    alice, ghost = make_user("alice"), make_user("ghost")
    ghost.is_active = False
    ghost.save(update_fields=["is_active"])
    client = client_for(alice)
    assert client.get(f"/api/v1/users/{ghost.pk}/").status_code == 404
    assert client.get("/api/v1/users/?search=gh").json()["count"] == 0


@pytest.mark.parametrize("search", ["%00", "a%00b", "x" * 151])
def test_users_search_that_no_username_can_match_is_400(user, search):
    r = client_for(user).get(f"/api/v1/users/?search={search}")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error" and "search" in r.json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/users/99999999999999999999999999/", "/api/v1/users/-1/", "/api/v1/users/%00/"])
def test_odd_user_ids_are_404(user, path):
    r = client_for(user).get(path)
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_email_taken_between_the_check_and_the_save_is_400_not_500(make_user, monkeypatch):
    from apps.accounts.serializers import ProfileUpdateInputSerializer

    alice = make_user("alice")
    make_user("bob")
    # As if bob took the address after alice's check ran: the unique constraint decides.
    monkeypatch.setattr(ProfileUpdateInputSerializer, "validate_email", lambda self, value: value)
    r = client_for(alice).patch(ME, {"email": "BOB@example.com", "display_name": "A"}, format="json")
    assert r.status_code == 400, r.content
    assert "email" in r.json()["errors"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.display_name == ""
