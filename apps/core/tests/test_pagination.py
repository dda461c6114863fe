"""Pagination parameters: malformed values are a 400 naming the parameter, never a 404."""
import base64

import pytest

from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

PAGED = ["/api/v1/tasks/", "/api/v1/users/", "/api/v1/shop/items/", "/api/v1/inventory/"]


def assert_invalid(response, parameter):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [parameter]


@pytest.mark.parametrize("path", PAGED)
@pytest.mark.parametrize("page", ["0", "-1", "1.5", "abc", "１", "last", " 1"])
def test_a_page_that_is_not_a_positive_integer_is_400(user, path, page):
    assert_invalid(client_for(user).get(path, {"page": page}), "page")


@pytest.mark.parametrize("size", ["0", "-5", "2.0", "many"])
def test_a_page_size_that_is_not_a_positive_integer_is_400(user, size):
    assert_invalid(client_for(user).get("/api/v1/tasks/", {"page_size": size}), "page_size")
    assert_invalid(client_for(user).get("/api/v1/me/ledger/", {"page_size": size}), "page_size")


def test_valid_pages_sizes_and_empty_values(user):
    TaskFactory.create_batch(3, user=user)
    client = client_for(user)
    assert len(client.get("/api/v1/tasks/", {"page": "2", "page_size": "2"}).json()["results"]) == 1
    assert len(client.get("/api/v1/tasks/", {"page_size": "1000"}).json()["results"]) == 3  # capped at 100
    assert client.get("/api/v1/tasks/", {"page": "", "page_size": ""}).json()["count"] == 3


def test_a_page_past_the_last_is_404(user):
    r = client_for(user).get("/api/v1/tasks/", {"page": "2"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",  # not base64: DRF answered 404
        "ü",
        base64.b64encode(b"o=-1").decode(),  # a negative offset: 404 too
        base64.b64encode(b"p=notadate&r=0").decode(),  # a position that is no timestamp: 400 before
        base64.b64encode(b"p=\x00").decode(),
    ],
)
def test_a_malformed_cursor_is_400(user, cursor):
    assert_invalid(client_for(user).get("/api/v1/me/ledger/", {"cursor": cursor}), "cursor")


def test_following_next_links_walks_the_whole_feed(user):
    from apps.progression.tests.factories import complete_task

    for _ in range(3):
        complete_task(user)
    client = client_for(user)
    everything = client.get("/api/v1/me/ledger/").json()["results"]
    walked, url = [], "/api/v1/me/ledger/?page_size=2"
    while url:
        page = client.get(url).json()
        walked += page["results"]
        url = page["next"]
    assert walked == everything and len(everything) == 6


def test_previous_links_walk_back_through_rows_that_share_a_time(user):
    # One request writes its ledger rows at one time; here all 7 share it, the worst case.
    from django.utils import timezone

    from apps.wallet.models import LedgerEntry

    at = timezone.now()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(user=user, currency="coins", amount=1, balance_after=n, reason="gift", created_at=at) for n in range(1, 8)
    )
    client = client_for(user)
    pages, url = [], "/api/v1/me/ledger/?page_size=2"
    while url:
        pages.append(client.get(url).json())
        url = pages[-1]["next"]
    assert [[r["balance_after"] for r in p["results"]] for p in pages] == [[7, 6], [5, 4], [3, 2], [1]]

    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(client.get(back[-1]["previous"]).json())
    assert [[r["balance_after"] for r in p["results"]] for p in back] == [[1], [3, 2], [5, 4], [7, 6]]

