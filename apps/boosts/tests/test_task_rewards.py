"""A boost seen through the real task endpoints: it multiplies, it expires, a reopen takes it back."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from apps.boosts.services import boost_use
from apps.wallet.models import Wallet
from conftest import client_for

from .factories import BoostItemFactory, give

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def complete_medium_task(client):
    task = client.post("/api/v1/tasks/", {"title": "Write", "difficulty": "medium"}).json()
    response = client.post(f"/api/v1/tasks/{task['id']}/complete/")
    assert response.status_code == 200, response.content
    return task["id"], response.json()["rewards"]


def test_an_xp_boost_multiplies_task_rewards_until_it_expires(user):
    row = give(user, BoostItemFactory(boost_type="xp", multiplier=Decimal("2"), duration_minutes=30))
    with time_machine.travel(T0, tick=False):
        client = client_for(user)  # tokens are minted on the frozen clock
        boost_use(user=user, inventory_item_id=row.pk)
        _, rewards = complete_medium_task(client)
    assert rewards["multipliers"] == {"xp": 2.0, "coins": 1.0}
    assert (rewards["xp"], rewards["coins"]) == (40, 6)  # medium: 20 XP x2, 6 coins

    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        client = client_for(user)  # a fresh token: the frozen clock moved
        _, rewards = complete_medium_task(client)
    assert rewards["multipliers"] == {"xp": 1.0, "coins": 1.0}
    assert (rewards["xp"], rewards["coins"]) == (20, 6)


def test_reopening_a_boosted_task_takes_back_the_boosted_amount(user):
    row = give(user, BoostItemFactory(boost_type="coins", multiplier=Decimal("2")))
    with time_machine.travel(T0, tick=False):
        client = client_for(user)  # tokens are minted on the frozen clock
        boost_use(user=user, inventory_item_id=row.pk)
        task_id, rewards = complete_medium_task(client)
        assert rewards["coins"] == 12
        reopened = client.post(f"/api/v1/tasks/{task_id}/reopen/")
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["rewards"]["xp"], reopened.json()["rewards"]["coins"]) == (-20, -12)
    wallet = Wallet.objects.get(user=user)
    assert (wallet.xp, wallet.coins) == (0, 0)
