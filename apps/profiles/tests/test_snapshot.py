"""The cached user (apps/profiles/cache.py) and the per-user response cache are never
served stale: every change a player can make shows on the next request, through real JWT auth."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.shop.tests.factories import BoostFactory, ItemFactory, fund
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def me(client) -> dict:
    response = client.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_me_shows_an_equipped_avatar_at_once_and_the_default_after_unequip(make_user):
    user = make_user()
    fund(user, coins=500)
    item = ItemFactory(price_coins=100)
    Item = type(item)
    Item.objects.filter(pk=item.pk).update(image="items/star.png")  # a stored image's name is all a URL needs
    client = client_for(user)
    assert me(client)["avatar"].endswith("/static/shop/defaults/avatar.png")  # snapshot built

    bought = client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    assert bought.status_code == 201, bought.content
    assert me(client)["coins"] == 400
    row_id = bought.json()["inventory_item"]["id"]
    assert client.post(f"/api/v1/inventory/{row_id}/equip/").status_code == 200
    assert me(client)["avatar"] == "http://testserver/media/items/star.png"

    assert client.post(f"/api/v1/inventory/{row_id}/unequip/").status_code == 200
    assert me(client)["avatar"].endswith("/static/shop/defaults/avatar.png")


def test_me_shows_rewards_of_a_completion_on_the_next_request(make_user):
    user = make_user()
    client = client_for(user)
    before = me(client)
    task = TaskFactory(user=user, difficulty="hard")
    assert client.post(f"/api/v1/tasks/{task.pk}/complete/").status_code == 200
    after = me(client)
    assert (after["xp"] - before["xp"], after["coins"] - before["coins"]) == (40, 12)  # hard: 40 XP, 12 coins
    assert after["streak"]["current"] == 1


def test_me_shows_a_second_completion_of_the_day_and_a_grant(make_user):
    """Writes that touch only the wallet, the ledger and counters (the day's streak is
    already counted): the progress service replaces the cache token itself."""
    from apps.progression.services import progress_grant

    user = make_user()
    client = client_for(user)
    first, second = TaskFactory(user=user, difficulty="easy"), TaskFactory(user=user, difficulty="easy")
    assert client.post(f"/api/v1/tasks/{first.pk}/complete/").status_code == 200
    before = me(client)
    assert client.post(f"/api/v1/tasks/{second.pk}/complete/").status_code == 200
    after = me(client)
    assert (after["xp"] - before["xp"], after["coins"] - before["coins"]) == (10, 3)  # easy: 10 XP, 3 coins
    progress_grant(user=user, coins=7, reason="admin_grant")
    assert me(client)["coins"] == after["coins"] + 7


def test_a_profile_edit_shows_at_once(make_user):
    user = make_user()
    client = client_for(user)
    me(client)
    assert client.patch("/api/v1/me/", {"display_name": "Nova"}, format="json").status_code == 200
    assert me(client)["display_name"] == "Nova"


def test_a_deleted_account_s_token_stops_working_at_once(make_user):
    user = make_user(password="s3cret-Passw0rd!")
    client = client_for(user)
    me(client)
    other = client_for(user)  # a second session with the same user
    assert client.delete("/api/v1/me/", {"password": "s3cret-Passw0rd!"}, format="json").status_code == 204
    response = other.get("/api/v1/me/")
    assert response.status_code == 401


def test_a_user_deactivated_in_the_admin_is_refused_at_once(make_user, admin_client):
    user = make_user()
    client = client_for(user)
    me(client)
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me/").status_code == 401


def test_a_boost_shows_while_active_and_disappears_by_time_alone(make_user):
    user = make_user()
    fund(user, coins=500)
    boost = BoostFactory(duration_minutes=30)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(user)
        me(client)
        row = client.post(f"/api/v1/shop/items/{boost.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
        assert row.status_code == 201, row.content
        used = client.post(f"/api/v1/inventory/{row.json()['inventory_item']['id']}/use/")
        assert used.status_code == 200, used.content
        assert [b["type"] for b in me(client)["active_boosts"]] == ["xp"]
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        # No write happened since (a fresh token only because access tokens live 15 min):
        # expiry is decided on read.
        assert me(client_for(user))["active_boosts"] == []


def test_after_my_own_completion_the_next_request_authenticates_without_a_query(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    client = client_for(user)
    me(client)
    task = TaskFactory(user=user, difficulty="hard")
    assert client.post(f"/api/v1/tasks/{task.pk}/complete/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        after = me(client)
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "accounts_user" not in tables  # the user row did not change: its snapshot stands
    assert after["coins"] == 12 and after["streak"]["current"] == 1  # the profile part did change
