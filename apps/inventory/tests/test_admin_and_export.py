import pytest

from apps.inventory.models import InventoryItem, InventoryLedgerEntry
from apps.inventory.services import inventory_grant
from apps.shop.tests.factories import BoostFactory, ItemFactory
from conftest import exported

pytestmark = pytest.mark.django_db


def test_admin_add_grants_through_the_service(admin_client, make_user):
    user = make_user("gifted")
    boost = BoostFactory()
    for _ in range(2):
        r = admin_client.post(
            "/admin/inventory/inventoryitem/add/", {"user": user.pk, "item": boost.pk, "grant_quantity": 2}
        )
        assert r.status_code == 302, r.content
    row = InventoryItem.objects.get(user=user, item=boost)
    assert row.quantity == 4
    assert list(InventoryLedgerEntry.objects.filter(user=user).order_by("id").values_list("amount", "reason")) == [
        (2, "admin_grant"),
        (2, "admin_grant"),
    ]


def test_admin_actions_grant_and_take_one_with_ledger_rows(admin_client, make_user):
    user = make_user("held")
    row = inventory_grant(user_id=user.pk, item_id=BoostFactory().pk, quantity=1, reason="test")
    url = "/admin/inventory/inventoryitem/"
    assert admin_client.post(url, {"action": "grant_one", "_selected_action": [row.pk]}).status_code == 302
    assert InventoryItem.objects.get(pk=row.pk).quantity == 2
    for _ in range(3):  # the third finds nothing left and says so
        assert admin_client.post(url, {"action": "take_one", "_selected_action": [row.pk]}).status_code == 302
    assert InventoryItem.objects.get(pk=row.pk).quantity == 0
    amounts = list(InventoryLedgerEntry.objects.filter(user=user).order_by("id").values_list("amount", flat=True))
    assert amounts == [1, 1, -1, -1]


def test_admin_grants_keep_cosmetics_owned_once_and_freezes_capped(admin_client, make_user):
    from apps.progression.audit import ledger_audit
    from apps.shop.tests.factories import FreezeFactory

    user = make_user("collector")
    hat, freeze = ItemFactory(type="avatar"), FreezeFactory()
    add = "/admin/inventory/inventoryitem/add/"
    assert admin_client.post(add, {"user": user.pk, "item": hat.pk, "grant_quantity": 2}).status_code == 200  # refused
    assert admin_client.post(add, {"user": user.pk, "item": hat.pk, "grant_quantity": 1}).status_code == 302
    refused = admin_client.post(add, {"user": user.pk, "item": hat.pk, "grant_quantity": 1})
    assert refused.status_code == 200 and b"a player owns it once" in refused.content
    assert admin_client.post(add, {"user": user.pk, "item": freeze.pk, "grant_quantity": 3}).status_code == 200
    assert admin_client.post(add, {"user": user.pk, "item": freeze.pk, "grant_quantity": 2}).status_code == 302
    rows = list(InventoryItem.objects.filter(user=user).values_list("pk", flat=True))
    admin_client.post("/admin/inventory/inventoryitem/", {"action": "grant_one", "_selected_action": rows})

    assert dict(InventoryItem.objects.filter(user=user).values_list("item_id", "quantity")) == {hat.pk: 1, freeze.pk: 2}
    assert ledger_audit().ok


def test_a_held_items_type_cannot_change(admin_client, make_user):
    boost = BoostFactory()
    inventory_grant(user_id=make_user("holder").pk, item_id=boost.pk, quantity=3, reason="test")
    page = admin_client.get(f"/admin/shop/item/{boost.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None and k != "image"}
    r = admin_client.post(f"/admin/shop/item/{boost.pk}/change/", {**data, "type": "avatar"})
    assert r.status_code == 200 and b"its type cannot change" in r.content
    boost.refresh_from_db()
    assert boost.type == "boost"


def test_admin_pages_render_and_rows_are_read_only(admin_client, make_user):
    user = make_user("viewer")
    row = inventory_grant(user_id=user.pk, item_id=ItemFactory().pk, quantity=1, reason="test")
    assert admin_client.get("/admin/inventory/inventoryitem/").status_code == 200
    assert admin_client.get("/admin/inventory/inventoryitem/add/").status_code == 200
    page = admin_client.get(f"/admin/inventory/inventoryitem/{row.pk}/change/")
    assert page.status_code == 200 and b'name="quantity"' not in page.content
    assert admin_client.get("/admin/inventory/inventoryledgerentry/").status_code == 200
    assert admin_client.get("/admin/shop/item/").status_code == 200
    assert admin_client.get("/admin/shop/item/add/").status_code == 200


def test_export_has_holdings_and_the_item_ledger(make_user):
    user = make_user("exporter")
    item = ItemFactory(name="Kept")
    inventory_grant(user_id=user.pk, item_id=item.pk, quantity=1, reason="item_purchase", ref=f"item:{item.pk}")
    data = exported(user)["inventory"]
    assert data["holdings"][0]["item"] == "Kept" and data["holdings"][0]["quantity"] == 1
    assert data["ledger"] == [
        {
            "item_id": item.pk,
            "item": "Kept",
            "amount": 1,
            "quantity_after": 1,
            "reason": "item_purchase",
            "ref": f"item:{item.pk}",
            "created_at": data["ledger"][0]["created_at"],
        }
    ]
