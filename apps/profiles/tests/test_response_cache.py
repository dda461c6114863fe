"""Per-user cached GET responses (apps/core/response_cache.py) are never served stale,
and a repeated read costs no query."""
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.achievements.models import Achievement
from apps.shop.tests.factories import BoostFactory, ItemFactory, fund
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_repeated_read_costs_no_query(make_user):
    user = make_user()
    TaskFactory.create_batch(3, user=user)
    Achievement.objects.create(code="one", title="One", trigger="tasks_completed", threshold=1)
    client = client_for(user)
    for path in ("/api/v1/tasks/", "/api/v1/achievements/", "/api/v1/dashboard/", "/api/v1/inventory/"):
        first = get(client, path)
        with CaptureQueriesContext(connection) as ctx:
            again = get(client, path)
        assert again == first
        assert len(ctx.captured_queries) == 0, (path, [q["sql"] for q in ctx.captured_queries])


def test_task_list_shows_every_change_at_once(make_user):
    user = make_user()
    client = client_for(user)
    assert get(client, "/api/v1/tasks/")["count"] == 0
    created = client.post("/api/v1/tasks/", {"title": "Read"}, format="json").json()
    assert [t["title"] for t in get(client, "/api/v1/tasks/")["results"]] == ["Read"]
    client.patch(f"/api/v1/tasks/{created['id']}/", {"title": "Read more"}, format="json")
    assert get(client, "/api/v1/tasks/")["results"][0]["title"] == "Read more"
    client.post(f"/api/v1/tasks/{created['id']}/complete/")
    assert get(client, "/api/v1/tasks/")["results"][0]["status"] == "completed"
    client.delete(f"/api/v1/tasks/{created['id']}/")
    assert get(client, "/api/v1/tasks/")["count"] == 0


@pytest.mark.django_db(transaction=True)  # no test transaction: each write commits as in production
@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/api/v1/habits/"])
def test_a_list_read_while_a_delete_runs_is_not_served_after_it(make_user, monkeypatch, path):
    from apps.habits.models import Habit
    from apps.habits.tests.factories import make_habit
    from apps.tasks.models import Task

    user = make_user()
    model, row = (Task, TaskFactory(user=user)) if "tasks" in path else (Habit, make_habit(user))
    client, reader = client_for(user), client_for(user)
    real_delete = model.delete

    def delete_while_another_request_reads(self, *args, **kwargs):
        get(reader, path)  # another request of the same user, just before the row goes
        return real_delete(self, *args, **kwargs)

    monkeypatch.setattr(model, "delete", delete_while_another_request_reads)
    assert client.delete(f"{path}{row.pk}/").status_code == 204

    assert get(client, path)["count"] == 0


def test_another_user_never_sees_my_cached_list(make_user):
    alice, bob = make_user(), make_user()
    TaskFactory(user=alice, title="Alice's")
    assert get(client_for(alice), "/api/v1/tasks/")["count"] == 1
    assert get(client_for(bob), "/api/v1/tasks/")["count"] == 0


def test_achievements_show_unlocks_seen_marks_and_catalog_changes(make_user):
    user = make_user()
    Achievement.objects.create(code="first", title="First", trigger="tasks_completed", threshold=1)
    client = client_for(user)
    assert [a["unlocked"] for a in get(client, "/api/v1/achievements/")] == [False]
    task = TaskFactory(user=user)
    client.post(f"/api/v1/tasks/{task.pk}/complete/")
    listed = get(client, "/api/v1/achievements/")
    assert listed[0]["unlocked"] is True and listed[0]["seen"] is False
    assert [a["code"] for a in get(client, "/api/v1/achievements/recent/")] == ["first"]
    assert client.post("/api/v1/achievements/seen/", {"codes": ["first"]}, format="json").status_code == 204
    assert get(client, "/api/v1/achievements/")[0]["seen"] is True
    Achievement.objects.create(code="ten", title="Ten", trigger="tasks_completed", threshold=10)
    assert [a["code"] for a in get(client, "/api/v1/achievements/")] == ["first", "ten"]


def test_inventory_shows_purchases_and_equips(make_user):
    user = make_user()
    fund(user, coins=500)
    item = ItemFactory(price_coins=100)
    client = client_for(user)
    assert get(client, "/api/v1/inventory/")["count"] == 0
    row = client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    listed = get(client, "/api/v1/inventory/")
    assert listed["count"] == 1 and listed["results"][0]["equipped"] is False
    client.post(f"/api/v1/inventory/{row.json()['inventory_item']['id']}/equip/")
    assert get(client, "/api/v1/inventory/")["results"][0]["equipped"] is True
    item.name = "Renamed"
    item.save()
    assert get(client, "/api/v1/inventory/")["results"][0]["item"]["name"] == "Renamed"


def test_inventory_shows_an_item_granted_outside_a_purchase(make_user):
    """An admin's grant (inventory_grant alone, no wallet write) replaces the cache token too."""
    from apps.inventory.services import inventory_grant

    user = make_user()
    item = ItemFactory(price_coins=100)
    client = client_for(user)
    assert get(client, "/api/v1/inventory/")["count"] == 0
    inventory_grant(user_id=user.pk, item_id=item.pk, quantity=1, reason="admin_grant")
    assert [r["item"]["id"] for r in get(client, "/api/v1/inventory/")["results"]] == [item.pk]


def test_dashboard_follows_tasks_the_local_day_and_boost_expiry(make_user):
    user = make_user()
    fund(user, coins=500)
    start = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        client = client_for(user)
        today = date(start.year, start.month, start.day)
        assert get(client, "/api/v1/dashboard/")["tasks"] == {"due_today": 0, "overdue": 0, "open": 0}
        TaskFactory(user=user, deadline=today + timedelta(days=1))
        assert get(client, "/api/v1/dashboard/")["tasks"] == {"due_today": 0, "overdue": 0, "open": 1}
        boost = BoostFactory(duration_minutes=30)
        row = client.post(f"/api/v1/shop/items/{boost.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
        client.post(f"/api/v1/inventory/{row.json()['inventory_item']['id']}/use/")
        assert len(get(client, "/api/v1/dashboard/")["active_boosts"]) == 1
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert get(client_for(user), "/api/v1/dashboard/")["active_boosts"] == []  # by time alone
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert get(client_for(user), "/api/v1/dashboard/")["tasks"]["due_today"] == 1  # a new local day


def test_shop_list_follows_holdings_balances_and_the_catalog(make_user):
    user = make_user()
    item = ItemFactory(price_coins=100, name="Comet")
    client = client_for(user)
    url = "/api/v1/shop/items/?affordable=true"
    assert get(client, url)["count"] == 0  # no coins yet
    fund(user, coins=150)
    assert [i["name"] for i in get(client, url)["results"]] == ["Comet"]
    assert get(client, "/api/v1/shop/items/")["results"][0]["owned"] is False
    client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    assert get(client, "/api/v1/shop/items/")["results"][0]["owned"] is True
    item.name = "Comet II"
    item.save()
    assert get(client, "/api/v1/shop/items/")["results"][0]["name"] == "Comet II"


def test_a_hit_is_the_same_bytes_and_an_indented_render_is_never_mixed_in(make_user):
    user = make_user()
    TaskFactory.create_batch(2, user=user)
    client = client_for(user)
    first = client.get("/api/v1/tasks/")
    again = client.get("/api/v1/tasks/")
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"] == "application/json"
    indented = client.get("/api/v1/tasks/", HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and b"\n    " in indented.content
    assert client.get("/api/v1/tasks/").content == first.content  # the indented body was not kept


def test_shop_list_etag_holds_across_cached_hits_and_changes_with_the_page(make_user):
    user = make_user()
    fund(user, coins=500)
    item = ItemFactory(price_coins=100)
    client = client_for(user)
    first = client.get("/api/v1/shop/items/")
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache" and "Authorization" in first["Vary"]
    hit = client.get("/api/v1/shop/items/")
    assert hit["ETag"] == etag and hit.content == first.content
    assert client.get("/api/v1/shop/items/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    bought = client.post(f"/api/v1/shop/items/{item.pk}/purchase/", {"currency": "coins", "quantity": 1}, format="json")
    assert bought.status_code == 201
    after = client.get("/api/v1/shop/items/", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag  # `owned` changed: a new body, a new tag


def test_shop_list_etag_also_on_head_and_on_an_indented_render(make_user):
    user = make_user()
    ItemFactory(price_coins=100)
    client = client_for(user)
    plain = client.get("/api/v1/shop/items/")
    head = client.head("/api/v1/shop/items/")
    indented = client.get("/api/v1/shop/items/", HTTP_ACCEPT="application/json; indent=2")

    assert head.status_code == 200 and head["ETag"] == plain["ETag"]
    assert indented.status_code == 200 and indented["ETag"] != plain["ETag"]  # other bytes, another tag
    assert client.get(
        "/api/v1/shop/items/", HTTP_ACCEPT="application/json; indent=2", HTTP_IF_NONE_MATCH=indented["ETag"]
    ).status_code == 304
    assert client.head("/api/v1/shop/items/", HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304
    assert client.get("/api/v1/shop/items/").content == plain.content  # the indented body was not kept
