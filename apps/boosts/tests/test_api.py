from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.boosts.models import ActiveBoost
from apps.boosts.services import boost_use
from conftest import client_for

from .factories import BoostItemFactory, CosmeticItemFactory, give

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
URL = "/api/v1/boosts/active/"


def test_active_boosts_lists_only_the_callers_unexpired_boosts(user, make_user):
    bob = make_user("bob")
    xp_row = give(user, BoostItemFactory(boost_type="xp", duration_minutes=30))
    coins_row = give(user, BoostItemFactory(boost_type="coins", multiplier=Decimal("1.5"), duration_minutes=60))
    give(bob, BoostItemFactory(boost_type="xp"))
    with time_machine.travel(T0, tick=False):
        boost_use(user=user, inventory_item_id=xp_row.pk)
        boost_use(user=user, inventory_item_id=coins_row.pk)
        boost_use(user=bob, inventory_item_id=bob.inventory.get().pk)

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        body = client_for(user).get(URL).json()
    assert body == [
        {"type": "xp", "multiplier": 2.0, "expires_at": "2026-03-10T12:30:00Z"},
        {"type": "coins", "multiplier": 1.5, "expires_at": "2026-03-10T13:00:00Z"},
    ]

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        body = client_for(user).get(URL).json()
    assert [b["type"] for b in body] == ["coins"]

    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert client_for(user).get(URL).json() == []


def test_active_boosts_shows_in_me_too(user):
    row = give(user, BoostItemFactory())
    boost_use(user=user, inventory_item_id=row.pk)
    me = client_for(user).get("/api/v1/me/").json()
    assert [(b["type"], b["multiplier"]) for b in me["active_boosts"]] == [("xp", 2.0)]


def test_active_boosts_needs_a_token():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("boosts", "expired"), [(0, 0), (2, 50)])
def test_active_boosts_query_budget(user, boosts, expired, django_assert_max_num_queries):
    item = BoostItemFactory()
    old = [T0 - timedelta(days=n + 1) for n in range(expired)]
    ActiveBoost.objects.bulk_create(
        ActiveBoost(user=user, type="xp", multiplier=2, started_at=t, expires_at=t + timedelta(minutes=30), item=item)
        for t in old
    )
    for boost_type in ["xp", "coins"][:boosts]:
        boost_use(user=user, inventory_item_id=give(user, BoostItemFactory(boost_type=boost_type)).pk)
    client = client_for(user)
    with django_assert_max_num_queries(2):  # the JWT user (+wallet, streak), the boosts
        response = client.get(URL)
    assert len(response.json()) == boosts


def use_url(row_id) -> str:
    return f"/api/v1/inventory/{row_id}/use/"


def test_use_over_http_answers_the_boost_and_takes_one(user):
    row = give(user, BoostItemFactory(multiplier=Decimal("1.5"), duration_minutes=60), quantity=2)
    with time_machine.travel(T0, tick=False):
        response = client_for(user).post(use_url(row.pk))
    assert response.status_code == 200, response.content
    assert response.json() == {"boost": {"type": "xp", "multiplier": 1.5, "expires_at": "2026-03-10T13:00:00Z"}}
    row.refresh_from_db()
    assert row.quantity == 1


def test_use_over_http_errors_are_in_the_contract_shape(user, make_user):
    row = give(user, BoostItemFactory(), quantity=2)
    cosmetic = give(user, CosmeticItemFactory())
    bobs = give(make_user("bob"), BoostItemFactory())
    client = client_for(user)
    assert client.post(use_url(row.pk)).status_code == 200

    again = client.post(use_url(row.pk))
    assert (again.status_code, again.json()["code"]) == (409, "boost_already_active")
    not_usable = client.post(use_url(cosmetic.pk))
    assert (not_usable.status_code, not_usable.json()["code"]) == (400, "not_usable")
    for other in (bobs.pk, 99999999999999999999999):
        missing = client.post(use_url(other))
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    row.refresh_from_db()
    assert row.quantity == 1
