"""GET shop/items/ and shop/items/{id}/: shape, filters, ETag/304, cache invalidation, query budget."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.inventory.services import inventory_grant
from apps.shop.models import Item
from conftest import client_for

from .factories import BoostFactory, FreezeFactory, ItemFactory, fund

pytestmark = pytest.mark.django_db

URL = "/api/v1/shop/items/"
ITEM_FIELDS = {
    "id",
    "name",
    "description",
    "type",
    "rarity",
    "image",
    "price_coins",
    "price_crystals",
    "min_level",
    "boost_type",
    "multiplier",
    "duration_minutes",
    "owned",
    "owned_quantity",
}


@pytest.fixture
def shopper(make_user):
    user = make_user("shopper")
    fund(user, coins=100, crystals=5)
    return user


@pytest.fixture
def client(shopper):
    return client_for(shopper)


def names(response):
    assert response.status_code == 200, response.content
    return [i["name"] for i in response.json()["results"]]


# -- shape -------------------------------------------------------------------------
def test_list_shows_only_active_items_with_the_contract_fields(client):
    ItemFactory(name="Visible")
    ItemFactory(name="Hidden", is_active=False)
    r = client.get(URL)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == ITEM_FIELDS
    assert item["name"] == "Visible"
    assert item["image"] == "http://testserver/static/shop/defaults/avatar.png"
    assert item["owned"] is False and item["owned_quantity"] == 0
    assert item["boost_type"] is None and item["multiplier"] is None


def test_boost_fields_and_owned_quantity(shopper, client):
    boost = BoostFactory(name="Boosty", multiplier="2.00", duration_minutes=60, boost_type="coins")
    inventory_grant(user_id=shopper.pk, item_id=boost.pk, quantity=3, reason="test")
    item = client.get(URL).json()["results"][0]
    assert (item["boost_type"], item["multiplier"], item["duration_minutes"]) == ("coins", 2.0, 60)
    assert item["owned"] is True and item["owned_quantity"] == 3
    assert item["image"].endswith("/static/shop/defaults/boost.png")


def test_detail_and_inactive_detail_404(client):
    item = ItemFactory(name="One")
    hidden = ItemFactory(is_active=False)
    r = client.get(f"{URL}{item.pk}/")
    assert r.status_code == 200 and set(r.json()) == ITEM_FIELDS and r.json()["name"] == "One"
    assert client.get(f"{URL}{hidden.pk}/").status_code == 404
    assert client.get(f"{URL}999999/").json()["code"] == "not_found"
    assert client.get(f"{URL}abc/").status_code == 404


def test_pagination(client):
    ItemFactory.create_batch(25)
    first = client.get(URL, {"page_size": 10}).json()
    assert first["count"] == 25 and len(first["results"]) == 10 and first["next"]
    last = client.get(URL, {"page_size": 10, "page": 3}).json()
    assert len(last["results"]) == 5 and last["next"] is None


def test_list_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401


# -- filters, search, ordering -------------------------------------------------------
@pytest.fixture
def catalog():
    return {
        "cheap": ItemFactory(name="Cheap Cap", type="avatar", rarity="common", price_coins=10),
        "dear": ItemFactory(name="Dear Dragon", type="avatar", rarity="epic", price_coins=300),
        "both": ItemFactory(name="Both Badge", type="icon", rarity="rare", price_coins=50, price_crystals=3),
        "gem": ItemFactory(
            name="Gem Galaxy", type="background", rarity="legendary", price_coins=None, price_crystals=8,
            description="Shines in the dark",
        ),
        "boost": BoostFactory(name="XP Booster", rarity="common", price_coins=80),
        "freeze": FreezeFactory(name="Ice Cube", rarity="common", price_coins=100, price_crystals=2),
    }


def test_filter_by_type_and_rarity(client, catalog):
    assert names(client.get(URL, {"type": "avatar"})) == ["Cheap Cap", "Dear Dragon"]
    assert names(client.get(URL, {"rarity": "common"})) == ["Cheap Cap", "XP Booster", "Ice Cube"]
    assert names(client.get(URL, {"type": "avatar", "rarity": "epic"})) == ["Dear Dragon"]


def test_filter_by_currency(client, catalog):
    assert names(client.get(URL, {"currency": "crystals"})) == ["Both Badge", "Gem Galaxy", "Ice Cube"]
    assert "Gem Galaxy" not in names(client.get(URL, {"currency": "coins"}))


def test_price_range_is_in_the_currency_filters_currency_coins_by_default(client, catalog):
    assert names(client.get(URL, {"min_price": 50, "max_price": 100})) == ["Both Badge", "XP Booster", "Ice Cube"]
    assert names(client.get(URL, {"currency": "crystals", "max_price": 3})) == ["Both Badge", "Ice Cube"]


def test_affordable_uses_the_wallet_in_that_currency(client, catalog):
    # the shopper has 100 coins and 5 crystals
    assert names(client.get(URL, {"affordable": "true"})) == ["Cheap Cap", "Both Badge", "XP Booster", "Ice Cube"]
    assert names(client.get(URL, {"affordable": "true", "currency": "crystals"})) == ["Both Badge", "Ice Cube"]
    assert names(client.get(URL, {"affordable": "false"})) == ["Dear Dragon"]


def test_owned_false_hides_what_the_user_holds(shopper, client, catalog):
    inventory_grant(user_id=shopper.pk, item_id=catalog["cheap"].pk, quantity=1, reason="test")
    assert "Cheap Cap" not in names(client.get(URL, {"owned": "false"}))
    assert names(client.get(URL, {"owned": "true"})) == ["Cheap Cap"]


def test_search_matches_name_or_description_case_insensitively(client, catalog):
    assert names(client.get(URL, {"search": "dragon"})) == ["Dear Dragon"]
    assert names(client.get(URL, {"search": "DARK"})) == ["Gem Galaxy"]
    assert names(client.get(URL, {"search": "nothing like it"})) == []


def test_ordering(client, catalog):
    assert names(client.get(URL, {"ordering": "price"})) == [
        "Cheap Cap", "Both Badge", "XP Booster", "Ice Cube", "Dear Dragon", "Gem Galaxy",  # no coin price: last
    ]
    assert names(client.get(URL, {"ordering": "-price"}))[:2] == ["Dear Dragon", "Ice Cube"]
    assert names(client.get(URL, {"ordering": "-price", "currency": "crystals"})) == ["Gem Galaxy", "Both Badge", "Ice Cube"]
    assert names(client.get(URL, {"ordering": "name"})) == sorted(i.name for i in catalog.values())
    assert names(client.get(URL, {"ordering": "-created_at"}))[0] == "Ice Cube"


@pytest.mark.parametrize(
    "params",
    [{"type": "hat"}, {"currency": "gold"}, {"min_price": "-1"}, {"ordering": "rarity"}, {"affordable": "maybe"},
     {"min_price": 10, "max_price": 5},
     # DRF's BooleanField took these as booleans (or as "no filter"): found by the schema fuzzer
     {"affordable": "yes"}, {"owned": "null"}, {"owned": "t"}],
)
def test_bad_filters_are_400(client, params):
    r = client.get(URL, params)
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


# -- ETag / 304 / cache ------------------------------------------------------------
def test_list_etag_and_304(client):
    ItemFactory()
    first = client.get(URL)
    etag = first["ETag"]
    assert etag.startswith('"') and "Authorization" in first["Vary"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(URL, HTTP_IF_NONE_MATCH='"other", ' + etag).status_code == 304
    assert client.get(URL, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # another query is another body, another tag
    assert client.get(URL, {"type": "icon"})["ETag"] != etag


def test_detail_etag_and_304(client):
    item = ItemFactory()
    etag = client.get(f"{URL}{item.pk}/")["ETag"]
    r = client.get(f"{URL}{item.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 304 and r.content == b""


def test_etag_changes_when_the_user_buys_the_item(shopper, client):
    item = ItemFactory(price_coins=10)
    etag = client.get(URL)["ETag"]
    detail_etag = client.get(f"{URL}{item.pk}/")["ETag"]
    client.post(f"{URL}{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    r = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and r.json()["results"][0]["owned"] is True
    assert client.get(f"{URL}{item.pk}/", HTTP_IF_NONE_MATCH=detail_etag).status_code == 200


def test_an_admin_change_invalidates_the_cached_catalog(client):
    item = ItemFactory(name="Old name", price_coins=10)
    first = client.get(URL)
    detail = client.get(f"{URL}{item.pk}/")
    # served from the cache now: a change made behind the model's back is not seen...
    Item.objects.filter(pk=item.pk).update(name="Sneaky")
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # ...but any save (the admin's) bumps the catalog version
    item.refresh_from_db()
    item.name, item.price_coins = "New name", 20
    item.save()
    r = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert r.status_code == 200 and r.json()["results"][0]["name"] == "New name"
    assert client.get(f"{URL}{item.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).json()["price_coins"] == 20
    item.is_active = False
    item.save()
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{item.pk}/").status_code == 404


def test_new_and_deleted_items_show_at_once(client):
    ItemFactory(name="A")
    assert client.get(URL).json()["count"] == 1
    b = ItemFactory(name="B")
    assert names(client.get(URL)) == ["A", "B"]
    b.delete()
    assert names(client.get(URL)) == ["A"]


def test_admin_bulk_actions_invalidate_the_catalog(client, admin_client):
    item = ItemFactory(name="Bulk")
    assert client.get(URL).json()["count"] == 1
    r = admin_client.post(
        "/admin/shop/item/", {"action": "deactivate", "_selected_action": [item.pk]}
    )
    assert r.status_code == 302
    assert client.get(URL).json()["count"] == 0


# -- query budget ------------------------------------------------------------------
def count_queries(call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


def test_list_query_count_is_constant_as_the_catalog_and_holdings_grow(shopper, client):
    ItemFactory.create_batch(10)
    params = {"page_size": 100, "ordering": "price", "owned": "false", "affordable": "true", "search": "item"}
    client.get(URL, params)  # warm the catalog cache

    # Each measured call uses a query string not asked before, so that the per-user
    # response cache (apps/core/response_cache.py) does not answer it: these count
    # the view's own queries.
    def fresh(n):
        return {**params, "page": 1, "page_size": 100 - n}

    small, _ = count_queries(lambda: client.get(URL, fresh(1)))

    items = ItemFactory.create_batch(490, price_coins=5)
    for item in items[:50]:
        inventory_grant(user_id=shopper.pk, item_id=item.pk, quantity=1, reason="test")
    client.get(URL, params)
    large, response = count_queries(lambda: client.get(URL, fresh(2)))
    assert response.json()["count"] == 450
    assert small == large <= 2  # JWT auth (user + wallet + streak), the user's holdings

    cold, _ = count_queries(lambda: (_bump(), client.get(URL, fresh(3)))[1])
    assert cold == large + 1  # the catalog itself, once per version


def test_detail_query_count(shopper, client):
    item = ItemFactory()
    client.get(f"{URL}{item.pk}/")
    n, _ = count_queries(lambda: client.get(f"{URL}{item.pk}/"))
    assert n <= 2


def _bump():
    from apps.shop.selectors import catalog_bump

    catalog_bump()


def test_every_filter_given_empty_means_not_given(client, catalog):
    empty = dict.fromkeys(["type", "rarity", "currency", "min_price", "max_price", "ordering", "search"], "")
    response = client.get(URL, empty)
    assert response.status_code == 200 and names(response) == names(client.get(URL))


def test_boolean_filters_take_true_false_1_0_in_any_case_and_empty_means_not_given(client, catalog):
    assert names(client.get(URL, {"affordable": "TRUE"})) == names(client.get(URL, {"affordable": "true"}))
    assert names(client.get(URL, {"affordable": "0"})) == ["Dear Dragon"]
    assert names(client.get(URL, {"affordable": ""})) == names(client.get(URL))
