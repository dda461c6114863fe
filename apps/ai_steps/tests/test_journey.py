"""The issue's "done when", as a new player's journey through the API with real JWTs: the
daily roulette and its odds; a dream, AI proposals from a fake OpenRouter (a real HTTP server
on 127.0.0.1), posted as steps, completed, and the dream completed for its reward; every
balance equal to its ledger at the end."""
import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from rest_framework.test import APIClient

from apps.wallet.models import LedgerEntry, Wallet

from .fakes import steps_completion

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Passw0rd!"
PROPOSALS = [
    {"title": "Buy running shoes", "description": "Get fitted at a running store.", "difficulty": "trivial"},
    {"title": "Run 5 km", "description": "Three easy runs a week.", "difficulty": "easy"},
    {"title": "Run a half marathon", "description": "Sign up for a spring race.", "difficulty": "medium"},
    {"title": "Run the marathon", "description": "Race day.", "difficulty": "hard"},
]


def log_in(username: str) -> APIClient:
    client = APIClient()
    r = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert r.status_code == 200, r.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {r.json()['access']}")
    return client


def ledger_feed(client) -> list[dict]:
    entries, url = [], "/api/v1/me/ledger/"
    while url:
        page = client.get(url).json()
        entries += page["results"]
        url = page["next"]
    return entries


@pytest.mark.parametrize("fake_openrouter", ["local_server"], indirect=True)
def test_a_new_player_spins_daily_and_makes_a_dream_come_true_with_ai_steps(fake_openrouter, django_capture_on_commit_callbacks):
    call_command("seed", stdout=io.StringIO())
    day1 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)

    with time_machine.travel(day1, tick=False):
        r = APIClient().post(
            "/api/v1/auth/register/",
            {"username": "dreamer", "email": "dreamer@example.com", "password": PASSWORD, "timezone": "UTC"},
            format="json",
        )
        assert r.status_code == 201, r.content
        user_id = r.json()["user"]["id"]
        client = log_in("dreamer")

        # The roulette publishes its odds; one spin today, a second is refused.
        wheel = client.get("/api/v1/roulette/").json()
        assert wheel["available"] is True and wheel["next_spin_at"] == "2026-06-02T00:00:00Z"
        assert {s["kind"] for s in wheel["segments"]} == {"coins", "xp", "crystals", "item"}
        assert abs(sum(s["probability"] for s in wheel["segments"]) - 1) < 1e-5
        spin = client.post("/api/v1/roulette/spin/")
        assert spin.status_code == 200, spin.content
        won = spin.json()["segment"]
        assert won["id"] in {s["id"] for s in wheel["segments"]} and won["probability"] > 0
        assert client.post("/api/v1/roulette/spin/").json()["code"] == "already_spun"
        assert client.get("/api/v1/roulette/").json()["available"] is False

        # A dream, and steps proposed by the AI.
        dream = client.post("/api/v1/dreams/", {"title": "Run a marathon", "target_date": "2027-04-20"}, format="json").json()
        fake_openrouter.reply(200, steps_completion(PROPOSALS))
        with django_capture_on_commit_callbacks(execute=True):  # what a committed request queues
            queued = client.post(
                f"/api/v1/dreams/{dream['id']}/generate-steps/", {"count": 4, "notes": "I run twice a week."}, format="json"
            )
        assert queued.status_code == 202 and queued.json()["status"] == "pending"
        job = client.get(f"/api/v1/ai/jobs/{queued.json()['id']}/").json()
        assert job["status"] == "succeeded" and job["steps"] == PROPOSALS
        assert client.get(f"/api/v1/dreams/{dream['id']}/").json()["progress"]["total_steps"] == 0  # proposals only

        # The player keeps them all as steps and works through them.
        steps = client.post(f"/api/v1/dreams/{dream['id']}/steps/bulk/", {"steps": job["steps"]}, format="json")
        assert steps.status_code == 201, steps.content
        step_ids = [s["id"] for s in steps.json()["steps"]]
        early = client.post(f"/api/v1/dreams/{dream['id']}/complete/")
        assert early.status_code == 409 and early.json()["code"] == "steps_incomplete"
        for step_id in step_ids:
            assert client.post(f"/api/v1/tasks/{step_id}/complete/").status_code == 200
        listed = client.get("/api/v1/dreams/").json()["results"][0]
        assert listed["progress"] == {"completed_steps": 4, "total_steps": 4, "percent": 100}

        done = client.post(f"/api/v1/dreams/{dream['id']}/complete/", HTTP_IDEMPOTENCY_KEY="dream-done")
        assert done.status_code == 200, done.content
        rewards = done.json()["rewards"]
        # 200 XP 100 coins for the dream, and "Dream Come True" (100 XP 50 coins) on the way.
        assert "first-dream" in [a["code"] for a in rewards["achievements"]]
        assert rewards["xp"] == 300 and rewards["coins"] >= 150
        assert done.json()["dream"]["status"] == "completed"
        assert client.post(f"/api/v1/dreams/{dream['id']}/complete/").json()["code"] == "already_completed"

    with time_machine.travel(day1 + datetime.timedelta(days=1), tick=False):
        client = log_in("dreamer")
        assert client.get("/api/v1/roulette/").json()["available"] is True
        assert client.post("/api/v1/roulette/spin/").status_code == 200
        history = client.get("/api/v1/roulette/history/").json()["results"]
        assert [h["date"] for h in history] == ["2026-06-02", "2026-06-01"]
        assert history[1]["label"] == won["label"]

        stats = client.get("/api/v1/stats/").json()
        assert (stats["dreams_completed"], stats["roulette_spins"], stats["tasks_completed"]) == (1, 2, 4)
        me = client.get("/api/v1/me/").json()
        wallet = Wallet.objects.get(user_id=user_id)
        assert (me["xp"], me["coins"], me["crystals"]) == (wallet.xp, wallet.coins, wallet.crystals)
        feed = ledger_feed(client)
        for currency in ("xp", "coins", "crystals"):
            in_feed = sum(e["amount"] for e in feed if e["currency"] == currency)
            in_table = LedgerEntry.objects.filter(user_id=user_id, currency=currency).aggregate(s=Sum("amount"))["s"] or 0
            assert getattr(wallet, currency) == in_feed == in_table, currency
        assert any(e["reason"] == "dream_completed" for e in feed)
        assert sum(e["reason"] == "roulette_spin" for e in feed) >= 1
