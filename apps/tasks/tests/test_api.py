"""tasks/ CRUD, validation, ownership, filters, ordering, pagination, export."""
from datetime import UTC, date, datetime

import pytest
import time_machine

from apps.tasks.models import Task
from conftest import exported

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tasks/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["results"]]


# -- create, read, edit, delete ------------------------------------------------------


def test_create_returns_the_task_with_defaults(auth_client, user):
    r = auth_client.post(URL, {"title": "Write report"}, format="json")

    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "title", "description", "difficulty", "deadline", "dream", "status", "completed_at", "created_at"}
    assert body["title"] == "Write report" and body["description"] == "" and body["difficulty"] == "easy"
    assert body["deadline"] is None and body["dream"] is None and body["status"] == "open" and body["completed_at"] is None
    assert Task.objects.get(pk=body["id"]).user == user


def test_create_with_every_field_and_read_only_fields_ignored(auth_client):
    r = auth_client.post(
        URL,
        {
            "title": "Run",
            "description": "5 km",
            "difficulty": "hard",
            "deadline": "2025-04-01",
            "dream": None,
            "status": "completed",
            "completed_at": "2025-01-01T00:00:00Z",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["difficulty"], body["deadline"], body["status"], body["completed_at"]) == ("hard", "2025-04-01", "open", None)
    assert Task.objects.get(pk=body["id"]).difficulty_rank == 3


def test_get_patch_delete_own_task(auth_client, user):
    task = TaskFactory(user=user, title="Old", difficulty="trivial")
    url = f"{URL}{task.pk}/"

    assert auth_client.get(url).json()["title"] == "Old"
    r = auth_client.patch(url, {"title": "New", "difficulty": "medium", "deadline": "2025-05-05", "status": "completed"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["title"], r.json()["difficulty"], r.json()["deadline"], r.json()["status"]) == (
        "New",
        "medium",
        "2025-05-05",
        "open",
    )
    task.refresh_from_db()
    assert task.difficulty_rank == 2 and task.description == ""
    assert auth_client.patch(url, {"deadline": None}, format="json").json()["deadline"] is None

    assert auth_client.delete(url).status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()
    assert auth_client.get(url).status_code == 404


def test_put_is_not_offered(auth_client, user):
    task = TaskFactory(user=user)
    r = auth_client.put(f"{URL}{task.pk}/", {"title": "x"}, format="json")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


def test_another_users_task_is_404_everywhere(auth_client, make_user):
    other = make_user("mallory")
    task = TaskFactory(user=other, title="Theirs")
    url = f"{URL}{task.pk}/"

    for response in (
        auth_client.get(url),
        auth_client.patch(url, {"title": "Mine now"}, format="json"),
        auth_client.delete(url),
        auth_client.post(f"{url}complete/"),
        auth_client.post(f"{url}reopen/"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
    task.refresh_from_db()
    assert task.title == "Theirs" and task.status == "open"
    assert ids(auth_client.get(URL)) == []


@pytest.mark.parametrize("path", ["abc/", "0/", "99999999999999999999999/"])
def test_unknown_ids_are_404(auth_client, path):
    assert auth_client.get(f"{URL}{path}").status_code == 404
    assert auth_client.post(f"{URL}{path}complete/").status_code == 404


def test_anonymous_is_401(api_client):
    r = api_client.get(URL)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


# -- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 5001}, "description"),
        ({"title": "ok", "difficulty": "epic"}, "difficulty"),
        ({"title": "ok", "deadline": "10/03/2025"}, "deadline"),
        ({"title": "ok", "deadline": "2025-02-30"}, "deadline"),
        ({"title": "ok", "dream": "abc"}, "dream"),
        # Not their documented JSON type (DRF alone coerced them): found by the schema fuzzer.
        ({"title": 12}, "title"),
        ({"title": "ok", "description": 0}, "description"),
        ({"title": "ok", "dream": "5"}, "dream"),
    ],
)
def test_bad_input_is_400_validation_error(auth_client, payload, field):
    r = auth_client.post(URL, payload, format="json")

    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    assert Task.objects.count() == 0


def test_limits_are_inclusive(auth_client):
    r = auth_client.post(URL, {"title": "x" * 200, "description": "d" * 5000}, format="json")
    assert r.status_code == 201, r.content


def test_a_dream_that_does_not_exist_is_404_and_nothing_changes(auth_client, user):
    # A dream of another user is a 404 too (apps/dreams/tests/test_steps.py).
    r = auth_client.post(URL, {"title": "ok", "dream": 7}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert Task.objects.count() == 0
    task = TaskFactory(user=user)
    r = auth_client.patch(f"{URL}{task.pk}/", {"dream": 7}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    task.refresh_from_db()
    assert task.dream_id is None


def test_patch_with_bad_input_is_400_and_changes_nothing(auth_client, user):
    task = TaskFactory(user=user, title="Keep")
    for payload in ({"title": ""}, {"title": "x" * 201}, {"difficulty": "nope"}, {"deadline": "tomorrow"}):
        r = auth_client.patch(f"{URL}{task.pk}/", payload, format="json")
        assert r.status_code == 400 and r.json()["code"] == "validation_error", payload
    task.refresh_from_db()
    assert task.title == "Keep"


def test_invalid_json_is_400_parse_error(auth_client):
    r = auth_client.post(URL, "{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "parse_error"


# -- filters, search, ordering, pagination ---------------------------------------------


@pytest.fixture
def catalog(user, make_user):
    """A handful of tasks; today is 2025-03-10 (UTC)."""
    t = {
        "trivial_late": TaskFactory(user=user, title="Buy milk", difficulty="trivial", deadline=date(2025, 3, 1)),
        "easy_today": TaskFactory(user=user, title="Call mom", difficulty="easy", deadline=date(2025, 3, 10)),
        "medium_soon": TaskFactory(user=user, title="Report", description="quarterly MILK numbers", difficulty="medium", deadline=date(2025, 3, 15)),
        "hard_none": TaskFactory(user=user, title="Marathon", difficulty="hard"),
        "done_late": TaskFactory(
            user=user,
            title="Done",
            difficulty="easy",
            deadline=date(2025, 3, 2),
            status="completed",
            completed_at=datetime(2025, 3, 2, tzinfo=UTC),
        ),
    }
    TaskFactory(user=make_user("other"), title="Other milk", deadline=date(2025, 3, 1))
    return {name: task.pk for name, task in t.items()}


@pytest.fixture
def today():
    with time_machine.travel(datetime(2025, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


def test_filter_by_status_and_difficulty(auth_client, catalog):
    assert set(ids(auth_client.get(URL, {"status": "completed"}))) == {catalog["done_late"]}
    assert len(ids(auth_client.get(URL, {"status": "open"}))) == 4
    assert set(ids(auth_client.get(URL, {"difficulty": "easy"}))) == {catalog["easy_today"], catalog["done_late"]}
    assert set(ids(auth_client.get(URL, {"difficulty": "easy", "status": "open"}))) == {catalog["easy_today"]}


def test_filter_overdue_uses_local_today_and_open_only(auth_client, catalog, today):
    assert ids(auth_client.get(URL, {"overdue": "true"})) == [catalog["trivial_late"]]
    assert catalog["trivial_late"] not in ids(auth_client.get(URL, {"overdue": "false"}))
    # Like every boolean query parameter: any case, or 1/0.
    assert ids(auth_client.get(URL, {"overdue": "True"})) == ids(auth_client.get(URL, {"overdue": "1"})) == [catalog["trivial_late"]]
    assert catalog["trivial_late"] not in ids(auth_client.get(URL, {"overdue": "0"}))


def test_filter_overdue_in_a_timezone_behind_utc(make_user):
    from rest_framework.test import APIClient

    user = make_user("hono", timezone="Pacific/Honolulu")
    due = TaskFactory(user=user, deadline=date(2025, 3, 10))
    client = APIClient()
    client.force_authenticate(user=user)
    # 05:00 UTC on the 11th is 19:00 on the 10th in Honolulu: not overdue yet.
    with time_machine.travel(datetime(2025, 3, 11, 5, tzinfo=UTC), tick=False):
        assert ids(client.get(URL, {"overdue": "true"})) == []
    with time_machine.travel(datetime(2025, 3, 11, 11, tzinfo=UTC), tick=False):
        assert ids(client.get(URL, {"overdue": "true"})) == [due.pk]


def test_filter_due_before_and_after_are_inclusive(auth_client, catalog):
    assert set(ids(auth_client.get(URL, {"due_before": "2025-03-10"}))) == {
        catalog["trivial_late"],
        catalog["easy_today"],
        catalog["done_late"],
    }
    assert set(ids(auth_client.get(URL, {"due_after": "2025-03-10"}))) == {catalog["easy_today"], catalog["medium_soon"]}
    assert ids(auth_client.get(URL, {"due_after": "2025-03-10", "due_before": "2025-03-10"})) == [catalog["easy_today"]]


def test_filter_by_a_dream_without_steps_is_empty(auth_client, catalog):
    assert ids(auth_client.get(URL, {"dream": 1})) == []


@pytest.mark.parametrize("dream", ["0.5", "1e3", "x", "0", "9223372036854775808"])
def test_a_dream_filter_that_is_no_integer_is_400(auth_client, catalog, dream):
    # django-filter's NumberFilter took decimals ("0.5" matched nothing, silently).
    r = auth_client.get(URL, {"dream": dream})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["dream"]


def test_search_title_and_description_case_insensitive(auth_client, catalog):
    assert set(ids(auth_client.get(URL, {"search": "milk"}))) == {catalog["trivial_late"], catalog["medium_soon"]}
    assert ids(auth_client.get(URL, {"search": "MARATHON"})) == [catalog["hard_none"]]
    assert ids(auth_client.get(URL, {"search": "nothing-like-this"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"difficulty": "epic"}, "difficulty"),
        ({"due_before": "soon"}, "due_before"),
        ({"overdue": "maybe"}, "overdue"),
        ({"ordering": "title"}, "ordering"),
        ({"ordering": "-priority"}, "ordering"),
    ],
)
def test_bad_filter_values_are_400(auth_client, catalog, params, field):
    r = auth_client.get(URL, params)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error" and field in r.json()["errors"]


def test_ordering(auth_client, catalog):
    c = catalog
    default = ids(auth_client.get(URL))
    assert default == sorted(default, reverse=True)  # newest first
    assert ids(auth_client.get(URL, {"ordering": "created_at"})) == sorted(default)
    assert ids(auth_client.get(URL, {"ordering": "-created_at"})) == default
    # Tasks without a deadline come last in both directions.
    assert ids(auth_client.get(URL, {"ordering": "deadline"})) == [
        c["trivial_late"],
        c["done_late"],
        c["easy_today"],
        c["medium_soon"],
        c["hard_none"],
    ]
    assert ids(auth_client.get(URL, {"ordering": "-deadline"})) == [
        c["medium_soon"],
        c["easy_today"],
        c["done_late"],
        c["trivial_late"],
        c["hard_none"],
    ]
    by_difficulty = ids(auth_client.get(URL, {"ordering": "difficulty"}))
    assert by_difficulty[0] == c["trivial_late"] and by_difficulty[-2:] == [c["medium_soon"], c["hard_none"]]
    assert set(by_difficulty[1:3]) == {c["easy_today"], c["done_late"]}
    assert ids(auth_client.get(URL, {"ordering": "-difficulty"}))[:2] == [c["hard_none"], c["medium_soon"]]
    assert ids(auth_client.get(URL, {"ordering": "-difficulty,deadline", "status": "open"})) == [
        c["hard_none"],
        c["medium_soon"],
        c["easy_today"],
        c["trivial_late"],
    ]


def test_pagination(auth_client, user):
    for _ in range(25):
        TaskFactory(user=user)

    first = auth_client.get(URL).json()
    assert first["count"] == 25 and len(first["results"]) == 20 and first["previous"] is None
    assert "page=2" in first["next"]
    second = auth_client.get(URL, {"page": 2}).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert len(auth_client.get(URL, {"page_size": 5}).json()["results"]) == 5
    assert len(auth_client.get(URL, {"page_size": 1000}).json()["results"]) == 25  # capped at 100
    assert auth_client.get(URL, {"page": 9}).status_code == 404


# -- export ---------------------------------------------------------------------------


def test_export_lists_the_users_tasks(user, make_user):
    TaskFactory(user=user, title="A", deadline=date(2025, 3, 1))
    TaskFactory(user=make_user("other"), title="B")

    tasks = exported(user)["tasks"]

    assert [t["title"] for t in tasks] == ["A"]
    assert tasks[0]["deadline"] == "2025-03-01" and tasks[0]["status"] == "open"
