"""inventory/: list, equip (swapping in one step), unequip, use; another user's row is 404."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import inventory_grant, inventory_take
from apps.shop.tests.factories import BoostFactory, FreezeFactory, ItemFactory
from apps.stats.models import StatCounter
from conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/"


def give(user, item, quantity=1):
    return inventory_grant(user_id=user.pk, item_id=item.pk, quantity=quantity, reason="test_grant")


def stat(user, key):
    row = StatCounter.objects.filter(user=user, key=key).first()
    return row.value if row else 0


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def client(owner):
    return client_for(owner)


# -- list --------------------------------------------------------------------------
def test_list_shows_held_rows_with_the_nested_item(owner, client):
    avatar = give(owner, ItemFactory(name="Fox"))
    boost = give(owner, BoostFactory(name="Zap"), 3)
    empty = give(owner, BoostFactory(name="Gone"))
    inventory_take(row=InventoryItem.objects.get(pk=empty.pk), quantity=1, reason="test")
    r = client.get(URL)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {avatar.pk, boost.pk}
    row = rows[boost.pk]
    assert set(row) == {"id", "item", "quantity", "equipped", "locked_in_trade", "acquired_at"}
    assert row["quantity"] == 3 and row["equipped"] is False and row["locked_in_trade"] is False
    assert row["item"]["name"] == "Zap" and row["item"]["owned_quantity"] == 3 and row["item"]["owned"] is True
    assert row["item"]["image"].startswith("http://testserver/")


def test_list_filters_type_and_equipped(owner, client):
    avatar = give(owner, ItemFactory(type="avatar"))
    give(owner, ItemFactory(type="icon"))
    give(owner, FreezeFactory())
    client.post(f"{URL}{avatar.pk}/equip/")
    assert [r["id"] for r in client.get(URL, {"equipped": "true"}).json()["results"]] == [avatar.pk]
    assert client.get(URL, {"equipped": "false"}).json()["count"] == 2
    assert client.get(URL, {"type": "streak_freeze"}).json()["count"] == 1
    assert client.get(URL, {"type": "hat"}).status_code == 400


def test_the_equipped_filter_takes_true_false_1_0_in_any_case_and_empty_means_not_given(owner, client):
    avatar = give(owner, ItemFactory(type="avatar"))
    give(owner, ItemFactory(type="icon"))
    client.post(f"{URL}{avatar.pk}/equip/")
    for value in ("TRUE", "True", "1"):
        assert [r["id"] for r in client.get(URL, {"equipped": value}).json()["results"]] == [avatar.pk]
    for value in ("FALSE", "0"):
        assert client.get(URL, {"equipped": value}).json()["count"] == 1
    assert client.get(URL, {"equipped": "", "type": ""}).json()["count"] == 2


@pytest.mark.parametrize("value", ["maybe", "-25683", "yes", "null"])
def test_an_equipped_filter_that_is_not_true_or_false_is_400(owner, client, value):
    # django-filter's BooleanFilter dropped a value it could not parse and listed everything.
    give(owner, ItemFactory(type="avatar"))
    r = client.get(URL, {"equipped": value})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["equipped"]


def test_list_shows_only_my_rows(owner, client, make_user):
    other = make_user("other")
    give(other, ItemFactory())
    assert client.get(URL).json()["count"] == 0


def test_inactive_items_stay_in_the_inventory(owner, client):
    give(owner, ItemFactory(is_active=False, name="Retired"))
    assert client.get(URL).json()["results"][0]["item"]["name"] == "Retired"


def count_queries(call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


def test_list_query_count_is_constant_as_the_inventory_grows(owner, client):
    for item in ItemFactory.create_batch(5):
        give(owner, item)
    client.get("/api/v1/me/")  # the user's auth snapshot cached, as in every request after the first
    small, _ = count_queries(lambda: client.get(URL, {"page_size": 100}))
    for item in ItemFactory.create_batch(95):
        give(owner, item)
    large, response = count_queries(lambda: client.get(URL, {"page_size": 100}))
    assert len(response.json()["results"]) == 100
    assert small == large <= 2  # count, page (the user comes from the auth snapshot)


# -- equip / unequip -------------------------------------------------------------
def test_equip_swaps_the_slot_in_one_step(owner, client):
    first = give(owner, ItemFactory(type="avatar"))
    second = give(owner, ItemFactory(type="avatar"))
    icon = give(owner, ItemFactory(type="icon"))
    assert client.post(f"{URL}{first.pk}/equip/").json()["equipped"] is True
    assert client.post(f"{URL}{icon.pk}/equip/").status_code == 200
    r = client.post(f"{URL}{second.pk}/equip/")
    assert r.status_code == 200, r.content
    assert r.json()["equipped"] is True and r.json()["id"] == second.pk
    equipped = dict(InventoryItem.objects.filter(user=owner).values_list("pk", "equipped"))
    assert equipped == {first.pk: False, second.pk: True, icon.pk: True}  # another slot is untouched
    assert InventoryItem.objects.get(pk=second.pk).slot == "avatar"
    assert InventoryItem.objects.get(pk=first.pk).slot == ""
    assert stat(owner, "items_equipped") == 3


def test_equip_answers_what_counting_it_granted(owner, client):
    from apps.achievements.models import Achievement

    Achievement.objects.create(code="dressed", title="Dressed", trigger="items_equipped", threshold=1, reward_xp=15, reward_coins=5)
    row = give(owner, ItemFactory(type="avatar"))

    first = client.post(f"{URL}{row.pk}/equip/").json()
    again = client.post(f"{URL}{row.pk}/equip/").json()

    assert first["equipped"] is True and (first["rewards"]["xp"], first["rewards"]["coins"]) == (15, 5)
    assert [a["code"] for a in first["rewards"]["achievements"]] == ["dressed"]
    assert again["equipped"] is True and "rewards" not in again  # nothing changed


def test_equipped_item_shows_on_my_profile(owner, client):
    row = give(owner, ItemFactory(type="background", image="items/bg.png"))
    client.post(f"{URL}{row.pk}/equip/")
    assert client.get("/api/v1/me/").json()["background"] == "http://testserver/media/items/bg.png"


def test_equipping_what_is_equipped_changes_nothing(owner, client):
    row = give(owner, ItemFactory())
    client.post(f"{URL}{row.pk}/equip/")
    r = client.post(f"{URL}{row.pk}/equip/")
    assert r.status_code == 200 and r.json()["equipped"] is True
    assert stat(owner, "items_equipped") == 1


def test_only_cosmetics_are_equippable(owner, client):
    for item in (BoostFactory(), FreezeFactory()):
        row = give(owner, item)
        r = client.post(f"{URL}{row.pk}/equip/")
        assert (r.status_code, r.json()["code"]) == (400, "not_equippable")
        assert client.post(f"{URL}{row.pk}/unequip/").json()["code"] == "not_equippable"
    assert stat(owner, "items_equipped") == 0


def test_an_item_in_a_pending_trade_cannot_be_equipped(owner, client):
    row = give(owner, ItemFactory())
    InventoryItem.objects.filter(pk=row.pk).update(locked_quantity=1)
    r = client.post(f"{URL}{row.pk}/equip/")
    assert (r.status_code, r.json()["code"]) == (409, "item_locked")
    assert InventoryItem.objects.get(pk=row.pk).equipped is False


def test_unequip(owner, client):
    row = give(owner, ItemFactory())
    client.post(f"{URL}{row.pk}/equip/")
    r = client.post(f"{URL}{row.pk}/unequip/")
    assert r.status_code == 200 and r.json()["equipped"] is False
    assert client.post(f"{URL}{row.pk}/unequip/").json()["equipped"] is False  # idempotent
    fresh = InventoryItem.objects.get(pk=row.pk)
    assert (fresh.equipped, fresh.slot) == (False, "")


def test_another_users_row_is_404(owner, client, make_user):
    other = make_user("other")
    theirs = give(other, ItemFactory())
    boost = give(other, BoostFactory())
    for action in ("equip", "unequip"):
        r = client.post(f"{URL}{theirs.pk}/{action}/")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client.post(f"{URL}{boost.pk}/use/").status_code == 404
    assert InventoryItem.objects.get(pk=theirs.pk).equipped is False
    assert InventoryItem.objects.get(pk=boost.pk).quantity == 1


def test_a_row_no_longer_held_is_404(owner, client):
    row = give(owner, ItemFactory())
    inventory_take(row=InventoryItem.objects.get(pk=row.pk), quantity=1, reason="test")
    assert client.post(f"{URL}{row.pk}/equip/").status_code == 404


# -- use ----------------------------------------------------------------------------
def test_use_a_boost_activates_it_and_takes_one(owner, client):
    row = give(owner, BoostFactory(boost_type="xp", multiplier="1.50", duration_minutes=30), 2)
    r = client.post(f"{URL}{row.pk}/use/")
    assert r.status_code == 200, r.content
    boost = r.json()["boost"]
    assert (boost["type"], boost["multiplier"]) == ("xp", 1.5) and boost["expires_at"]
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1
    assert InventoryLedgerEntry.objects.filter(user=owner, amount=-1).count() == 1
    again = client.post(f"{URL}{row.pk}/use/")
    assert (again.status_code, again.json()["code"]) == (409, "boost_already_active")
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1


def test_use_a_cosmetic_is_400(owner, client):
    row = give(owner, ItemFactory())
    r = client.post(f"{URL}{row.pk}/use/")
    assert r.status_code == 400
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1


def test_use_replays_with_an_idempotency_key(owner, client):
    row = give(owner, BoostFactory(), 2)
    first = client.post(f"{URL}{row.pk}/use/", HTTP_IDEMPOTENCY_KEY="use-1")
    again = client.post(f"{URL}{row.pk}/use/", HTTP_IDEMPOTENCY_KEY="use-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert InventoryItem.objects.get(pk=row.pk).quantity == 1


def test_ids_out_of_the_databases_range_are_404(client):
    big = "9" * 25
    assert client.get(f"/api/v1/shop/items/{big}/").status_code == 404
    assert client.post(f"/api/v1/shop/items/{big}/purchase/", {}, format="json").status_code == 404
    for action in ("equip", "unequip", "use"):
        assert client.post(f"{URL}{big}/{action}/").status_code == 404
