"""Two players' journeys through the API, as the core-loop and economy issues' "done when"
describe them: each step a real request (JWT from the API, no forced authentication), each
figure the contract's game rules give, and the balances equal to their ledger at the end."""
import datetime
import hashlib
import hmac
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings
from rest_framework.test import APIClient

from apps.wallet.models import LedgerEntry, Wallet

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Passw0rd!"
WEBHOOK_SECRET = "whsec-journey-0123456789"


def _register(username: str) -> tuple[APIClient, int]:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/register/",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD, "timezone": "UTC"},
        format="json",
    )
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client, response.json()["user"]["id"]


def _log_in(username: str) -> APIClient:
    """A fresh access token (they live 15 minutes; the journeys span days)."""
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def _new_task(client, title: str, difficulty: str, deadline: str | None = None) -> int:
    response = client.post("/api/v1/tasks/", {"title": title, "difficulty": difficulty, "deadline": deadline}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _complete(client, task_id: int) -> dict:
    response = client.post(f"/api/v1/tasks/{task_id}/complete/")
    assert response.status_code == 200, response.content
    return response.json()["rewards"]


def _ledger_feed(client) -> list[dict]:
    entries, url = [], "/api/v1/me/ledger/"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        entries += page.json()["results"]
        url = page.json()["next"]
    return entries


def _assert_balances_match_ledger(client, user_id: int) -> None:
    wallet = Wallet.objects.get(user_id=user_id)
    feed = _ledger_feed(client)
    for currency in ("xp", "coins", "crystals"):
        in_feed = sum(e["amount"] for e in feed if e["currency"] == currency)
        in_table = LedgerEntry.objects.filter(user_id=user_id, currency=currency).aggregate(s=Sum("amount"))["s"] or 0
        assert getattr(wallet, currency) == in_feed == in_table, currency


def test_a_new_player_completes_tasks_over_three_days_and_sees_everything_move():
    call_command("seed", verbosity=0)
    day1 = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)

    with time_machine.travel(day1, tick=False):
        client, user_id = _register("journey-one")
        on_time = _new_task(client, "Write the plan", "medium", deadline="2026-03-10")
        rewards = _complete(client, on_time)
        # medium 20 XP 6 coins, +25 % on time (25, 7), and "First Step" (20 XP 10 coins).
        assert (rewards["xp"], rewards["coins"]) == (45, 17)
        assert [a["code"] for a in rewards["achievements"]] == ["first-task"]
        assert rewards["streak"] == {"current": 1, "extended": True, "milestone": None}
        assert rewards["level"] == {"before": 1, "after": 1, "leveled_up": False}

        again = client.post(f"/api/v1/tasks/{on_time}/complete/")
        assert again.status_code == 409 and again.json()["code"] == "already_completed"

    with time_machine.travel(day1 + datetime.timedelta(days=1), tick=False):
        client = _log_in("journey-one")
        rewards = _complete(client, _new_task(client, "Call the bank", "hard"))
        assert (rewards["xp"], rewards["coins"], rewards["achievements"]) == (40, 12, [])
        assert rewards["streak"]["current"] == 2

    with time_machine.travel(day1 + datetime.timedelta(days=2), tick=False):
        client = _log_in("journey-one")
        third = _new_task(client, "Tidy the desk", "hard")
        rewards = _complete(client, third)
        # hard 40/12, the 3-day milestone 30/15 and "Warming Up" (streak-3, 30/15); 185 XP in
        # all is level 2 (100), which pays 20 coins.
        assert (rewards["xp"], rewards["coins"]) == (100, 62)
        assert [a["code"] for a in rewards["achievements"]] == ["streak-3"]
        assert rewards["streak"] == {"current": 3, "extended": True, "milestone": 3}
        assert rewards["level"] == {"before": 1, "after": 2, "leveled_up": True}

        me = client.get("/api/v1/me/").json()
        assert (me["level"], me["xp"], me["coins"]) == (2, 185, 91)
        assert (me["xp_into_level"], me["xp_for_next_level"]) == (85, 150)
        assert me["streak"]["current"] == 3 and me["streak"]["longest"] == 3

        stats = client.get("/api/v1/stats/").json()
        assert (stats["tasks_completed"], stats["tasks_completed_on_time"], stats["longest_streak"]) == (3, 1, 3)
        daily = client.get("/api/v1/stats/daily/", {"from": "2026-03-10", "to": "2026-03-12"}).json()
        assert [(d["date"], d["tasks_completed"]) for d in daily] == [
            ("2026-03-10", 1), ("2026-03-11", 1), ("2026-03-12", 1),
        ]
        unlocked = client.get("/api/v1/achievements/", {"unlocked": "true"}).json()
        assert {a["code"] for a in unlocked} == {"first-task", "streak-3"}
        assert client.get("/api/v1/streak/").json()["current"] == 3

        # Reopening takes back the completion's own reward only: not the milestone, not the level's coins.
        reopened = client.post(f"/api/v1/tasks/{third}/reopen/")
        assert reopened.status_code == 200, reopened.content
        assert (reopened.json()["rewards"]["xp"], reopened.json()["rewards"]["coins"]) == (-40, -12)
        me = client.get("/api/v1/me/").json()
        assert (me["level"], me["xp"], me["coins"]) == (2, 145, 79)
        _assert_balances_match_ledger(client, user_id)


def _donate(payload: dict):
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return APIClient().generic(
        "POST", "/api/v1/donations/webhook/", raw, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


def _shop_item(client, name: str) -> dict:
    listing = client.get("/api/v1/shop/items/", {"search": name}).json()["results"]
    return next(item for item in listing if item["name"] == name)


@override_settings(DONATION_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_a_player_buys_and_equips_an_avatar_doubles_a_reward_with_a_boost_and_spends_donated_crystals():
    call_command("seed", verbosity=0)
    client, user_id = _register("journey-two")
    assert _complete(client, _new_task(client, "Stretch", "easy"))["coins"] == 3 + 10  # easy + "First Step"
    call_command("grant", "journey-two", coins=400, reason="launch gift", stdout=io.StringIO())
    assert client.get("/api/v1/me/").json()["coins"] == 413

    # A new avatar: bought with coins, equipped, shown on the profile.
    sprout = _shop_item(client, "Sprout")
    assert (sprout["price_coins"], sprout["owned"]) == (50, False)
    bought = client.post(f"/api/v1/shop/items/{sprout['id']}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    assert bought.status_code == 201, bought.content
    assert bought.json()["coins"] == 363
    row_id = bought.json()["inventory_item"]["id"]
    assert client.post(f"/api/v1/inventory/{row_id}/equip/").status_code == 200
    me = client.get("/api/v1/me/").json()
    assert me["avatar"] == sprout["image"]
    assert _shop_item(client, "Sprout")["owned"] is True

    # A 2x XP boost: bought, used, doubling the next task's XP (not its coins).
    double = _shop_item(client, "Double XP")
    bought = client.post(f"/api/v1/shop/items/{double['id']}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    assert bought.status_code == 201, bought.content
    assert bought.json()["coins"] == 163
    used = client.post(f"/api/v1/inventory/{bought.json()['inventory_item']['id']}/use/")
    assert used.status_code == 200, used.content
    assert (used.json()["boost"]["type"], used.json()["boost"]["multiplier"]) == ("xp", 2.0)
    active = client.get("/api/v1/boosts/active/").json()
    assert [b["type"] for b in active] == ["xp"]
    rewards = _complete(client, _new_task(client, "Deep work", "medium"))
    assert (rewards["xp"], rewards["coins"]) == (40, 6)
    assert rewards["multipliers"] == {"xp": 2.0, "coins": 1.0}

    # Crystals from a signed donation, credited once, then spent on a crystals-only background.
    donation = {"payment_id": "pay-journey-1", "user_id": user_id, "crystals": 30}
    assert _donate(donation).status_code == 200
    assert _donate(donation).status_code == 200  # the payment provider retrying
    assert client.get("/api/v1/me/").json()["crystals"] == 30
    galaxy = _shop_item(client, "Galaxy")
    assert (galaxy["price_coins"], galaxy["price_crystals"]) == (None, 30)
    bought = client.post(f"/api/v1/shop/items/{galaxy['id']}/purchase/", {"currency": "crystals", "quantity": 1}, format="json")
    assert bought.status_code == 201, bought.content
    assert (bought.json()["coins"], bought.json()["crystals"]) == (169, 0)
    assert client.post(f"/api/v1/inventory/{bought.json()['inventory_item']['id']}/equip/").status_code == 200
    assert client.get("/api/v1/me/").json()["background"] == galaxy["image"]
    _assert_balances_match_ledger(client, user_id)
