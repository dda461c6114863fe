"""Django admin for players: lists, search, filters, add and edit."""
import pytest
from django.contrib.auth import get_user_model

from apps.streaks.models import Streak
from apps.wallet.models import Wallet

pytestmark = pytest.mark.django_db

User = get_user_model()
USERS = "/admin/accounts/user/"


@pytest.fixture
def admin_client(client, make_user):
    for n, tz in enumerate(["Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "UTC"]):
        make_user(f"player{n}", timezone=tz)
        User.objects.filter(username=f"player{n}").update(display_name=f"Player {n}")
    boss = User.objects.create_superuser("boss", "boss@example.com", "b0ss-Passw0rd!")
    client.force_login(boss)
    return client


def test_user_changelist_shows_the_columns(admin_client):
    r = admin_client.get(USERS)
    assert r.status_code == 200
    html = r.content.decode()
    for column in ("column-username", "column-email", "column-display_name", "column-date_joined", "column-is_staff", "column-is_active"):
        assert column in html, column
    assert "player0" in html and "Player 0" in html


@pytest.mark.parametrize(
    "query, present, absent",
    [
        ("?q=player1", "player1", "player2"),
        ("?q=PLAYER2%40example", "player2", "player1"),
        ("?q=Player+3", "player3", "player1"),
        ("?timezone=Pacific%2FKiritimati", "player2", "player1"),
        ("?is_staff__exact=1", "boss", "player1"),
        ("?is_active__exact=1", "player1", "nobody-at-all"),
    ],
)
def test_user_search_and_filters(admin_client, query, present, absent):
    r = admin_client.get(USERS + query)
    assert r.status_code == 200
    html = r.content.decode()
    assert f">{present}<" in html
    assert f">{absent}<" not in html


def test_user_change_page_has_the_profile_fields(admin_client):
    player = User.objects.get(username="player0")
    r = admin_client.get(f"{USERS}{player.pk}/change/")
    assert r.status_code == 200
    for field in ("display_name", "timezone", "day_start_hour", "bio", "email"):
        assert f'name="{field}"' in r.content.decode(), field


def _change_data(user, **overrides):
    data = {
        "username": user.username, "email": user.email, "display_name": user.display_name, "bio": user.bio,
        "timezone": user.timezone, "day_start_hour": user.day_start_hour, "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_edits_a_profile(admin_client):
    player = User.objects.get(username="player0")
    r = admin_client.post(f"{USERS}{player.pk}/change/", _change_data(player, day_start_hour=4, timezone="Asia/Tokyo"))
    assert r.status_code == 302, r.content.decode()[:2000]
    player.refresh_from_db()
    assert (player.day_start_hour, player.timezone) == (4, "Asia/Tokyo")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "PLAYER1@example.com"}, "email"),
        ({"username": "PLAYER1"}, "username"),
        ({"timezone": "Europe"}, "timezone"),
        ({"day_start_hour": 24}, "day_start_hour"),
    ],
)
def test_admin_edit_errors_are_form_errors_not_500(admin_client, overrides, field):
    player = User.objects.get(username="player0")
    r = admin_client.post(f"{USERS}{player.pk}/change/", _change_data(player, **overrides))
    assert r.status_code == 200
    assert field in r.context["adminform"].form.errors


def test_admin_adds_a_player_with_a_wallet_and_streak(admin_client):
    assert admin_client.get(f"{USERS}add/").status_code == 200
    r = admin_client.post(
        f"{USERS}add/",
        {"username": "newbie", "email": "newbie@example.com", "usable_password": "true",
         "password1": "n3w-Passw0rd-xyz", "password2": "n3w-Passw0rd-xyz"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    newbie = User.objects.get(username="newbie")
    assert Wallet.objects.filter(user=newbie).exists() and Streak.objects.filter(user=newbie).exists()
    assert newbie.check_password("n3w-Passw0rd-xyz")


def test_admin_add_with_a_taken_email_is_a_form_error(admin_client):
    r = admin_client.post(
        f"{USERS}add/",
        {"username": "newbie", "email": "Player1@Example.com", "usable_password": "true",
         "password1": "n3w-Passw0rd-xyz", "password2": "n3w-Passw0rd-xyz"},
    )
    assert r.status_code == 200
    assert "email" in r.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()


def test_non_staff_cannot_open_the_admin(client, make_user):
    make_user("pleb")
    client.login(username="pleb", password="s3cret-Passw0rd!")
    r = client.get(USERS)
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_a_superuser_made_from_the_command_line_is_a_full_player(client):
    from django.core.management import call_command

    from conftest import client_for

    call_command("createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0)
    root = User.objects.get(username="root")
    assert Wallet.objects.filter(user=root).exists() and Streak.objects.filter(user=root).exists()
    me = client_for(root).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["level"] == 1


def test_a_password_set_by_an_admin_signs_the_player_out_everywhere(admin_client):
    from rest_framework.test import APIClient

    player = User.objects.get(username="player0")
    tokens = [APIClient().post("/api/v1/auth/token/", {"username": "player0", "password": "s3cret-Passw0rd!"},
                               format="json").json()["refresh"] for _ in range(2)]

    r = admin_client.post(f"{USERS}{player.pk}/password/", {"password1": "n3w-Adm1n-Passw0rd", "password2": "n3w-Adm1n-Passw0rd"})

    assert r.status_code == 302, r.content
    player.refresh_from_db()
    assert player.check_password("n3w-Adm1n-Passw0rd")
    for refresh in tokens:
        refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
        assert refreshed.status_code == 401 and refreshed.json()["code"] == "token_not_valid"


def test_a_revoked_refresh_token_cannot_be_revived_from_the_admin(admin_client):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
    from rest_framework_simplejwt.tokens import RefreshToken

    login = {"username": "player0", "password": "s3cret-Passw0rd!"}
    refresh = APIClient().post("/api/v1/auth/token/", login, format="json").json()["refresh"]
    RefreshToken(refresh).blacklist()  # as a logout or a password change does
    row = BlacklistedToken.objects.get(token__user__username="player0")

    assert admin_client.post(f"/admin/token_blacklist/blacklistedtoken/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert BlacklistedToken.objects.filter(pk=row.pk).exists()
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json").status_code == 401
