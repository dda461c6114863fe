"""dreams/ CRUD, progress, ownership, delete, export."""
import pytest

from apps.dreams.models import Dream
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for, exported

from .factories import DreamFactory, add_steps

pytestmark = pytest.mark.django_db

URL = "/api/v1/dreams/"


def test_create_returns_an_active_dream_with_empty_progress(auth_client):
    r = auth_client.post(URL, {"title": "Run a marathon", "description": "42 km", "target_date": "2027-04-01"}, format="json")

    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "title", "description", "target_date", "status", "progress", "completed_at", "created_at"}
    assert (body["title"], body["target_date"], body["status"]) == ("Run a marathon", "2027-04-01", "active")
    assert body["progress"] == {"completed_steps": 0, "total_steps": 0, "percent": 0}


@pytest.mark.parametrize(
    "payload, field",
    [({}, "title"), ({"title": "  "}, "title"), ({"title": "x" * 201}, "title"),
     ({"title": "ok", "description": "d" * 5001}, "description"), ({"title": "ok", "target_date": "soon"}, "target_date")],
)
def test_bad_input_is_400_and_creates_nothing(auth_client, payload, field):
    r = auth_client.post(URL, payload, format="json")

    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    assert field in r.json()["errors"]
    assert Dream.objects.count() == 0


def test_list_and_detail_show_progress_rounded_down(auth_client, user):
    dream = DreamFactory(user=user, title="Learn Spanish")
    add_steps(dream, 3, completed=2)
    empty = DreamFactory(user=user, title="Empty")

    listed = auth_client.get(URL).json()
    assert listed["count"] == 2
    by_id = {d["id"]: d for d in listed["results"]}
    assert by_id[dream.pk]["progress"] == {"completed_steps": 2, "total_steps": 3, "percent": 66}
    assert by_id[empty.pk]["progress"] == {"completed_steps": 0, "total_steps": 0, "percent": 0}
    assert auth_client.get(f"{URL}{dream.pk}/").json()["progress"]["percent"] == 66


def test_a_completed_step_shows_in_the_list_at_once(auth_client, user):
    dream = DreamFactory(user=user)
    step, _ = add_steps(dream, 2)
    assert auth_client.get(URL).json()["results"][0]["progress"]["completed_steps"] == 0  # cached now

    assert auth_client.post(f"/api/v1/tasks/{step.pk}/complete/").status_code == 200

    assert auth_client.get(URL).json()["results"][0]["progress"] == {"completed_steps": 1, "total_steps": 2, "percent": 50}


def test_list_filters_by_status(auth_client, user):
    active = DreamFactory(user=user)
    DreamFactory(user=user, status="abandoned")
    assert [d["id"] for d in auth_client.get(URL, {"status": "active"}).json()["results"]] == [active.pk]
    assert auth_client.get(URL, {"status": "someday"}).status_code == 400


def test_someone_elses_dream_is_404_everywhere(auth_client, make_user):
    other = make_user("bob")
    dream = DreamFactory(user=other)
    add_steps(dream, 1, completed=1)
    detail = f"{URL}{dream.pk}/"

    assert auth_client.get(detail).status_code == 404
    assert auth_client.patch(detail, {"title": "mine"}, format="json").status_code == 404
    assert auth_client.delete(detail).status_code == 404
    assert auth_client.get(f"{detail}steps/").status_code == 404
    assert auth_client.post(f"{detail}steps/", {"title": "x"}, format="json").status_code == 404
    assert auth_client.post(f"{detail}steps/bulk/", {"steps": [{"title": "x"}]}, format="json").status_code == 404
    assert auth_client.post(f"{detail}complete/").status_code == 404
    assert auth_client.get(URL).json()["count"] == 0
    dream.refresh_from_db()
    assert (dream.title, dream.status, Task.objects.filter(dream=dream).count()) == (dream.title, "active", 1)


def test_patch_edits_fields_and_status_rules(auth_client, user):
    dream = DreamFactory(user=user)
    detail = f"{URL}{dream.pk}/"

    r = auth_client.patch(detail, {"title": "Renamed", "status": "abandoned"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["title"], r.json()["status"]) == ("Renamed", "abandoned")

    r = auth_client.patch(detail, {"status": "completed"}, format="json")
    assert r.status_code == 400 and "status" in r.json()["errors"]
    assert auth_client.patch(detail, {"status": "active"}, format="json").json()["status"] == "active"
    assert auth_client.put(detail, {"title": "x"}, format="json").status_code == 405


def test_delete_keeps_the_steps_and_what_they_earned(auth_client, user):
    dream = DreamFactory(user=user)
    done, still_open = add_steps(dream, 2)
    assert auth_client.post(f"/api/v1/tasks/{done.pk}/complete/").status_code == 200
    ledger_before = auth_client.get("/api/v1/me/ledger/").json()["results"]

    assert auth_client.delete(f"{URL}{dream.pk}/").status_code == 204

    assert not Dream.objects.filter(pk=dream.pk).exists()
    tasks = {t["id"]: t for t in auth_client.get("/api/v1/tasks/").json()["results"]}
    assert set(tasks) == {done.pk, still_open.pk}
    assert tasks[done.pk]["dream"] is None and tasks[done.pk]["status"] == "completed"
    assert auth_client.get("/api/v1/me/ledger/").json()["results"] == ledger_before
    assert any(e["ref"] == f"task:{done.pk}" for e in ledger_before)


def test_a_task_can_join_only_the_users_own_dream(auth_client, user, make_user):
    mine = DreamFactory(user=user)
    theirs = DreamFactory(user=make_user("bob"))

    r = auth_client.post("/api/v1/tasks/", {"title": "step", "dream": mine.pk}, format="json")
    assert r.status_code == 201 and r.json()["dream"] == mine.pk
    step_id = r.json()["id"]
    r = auth_client.post("/api/v1/tasks/", {"title": "sneaky", "dream": theirs.pk}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    task = TaskFactory(user=user)
    r = auth_client.patch(f"/api/v1/tasks/{task.pk}/", {"dream": theirs.pk}, format="json")
    assert r.status_code == 404
    task.refresh_from_db()
    assert task.dream_id is None
    assert Task.objects.filter(dream=theirs).count() == 0
    # Moving a task into one's own dream, then out of it.
    assert auth_client.patch(f"/api/v1/tasks/{task.pk}/", {"dream": mine.pk}, format="json").json()["dream"] == mine.pk
    assert {t["id"] for t in auth_client.get("/api/v1/tasks/", {"dream": mine.pk}).json()["results"]} == {task.pk, step_id}
    assert auth_client.patch(f"/api/v1/tasks/{task.pk}/", {"dream": None}, format="json").json()["dream"] is None


@pytest.mark.parametrize("dreams, steps", [(2, 2), (30, 20)])
def test_list_query_count_stays_flat_as_dreams_and_steps_grow(make_user, dreams, steps, django_assert_max_num_queries):
    user = make_user("lister")
    for n in range(dreams):
        add_steps(DreamFactory(user=user), steps, completed=n % (steps + 1))
    client = client_for(user)  # real JWT authentication, as clients call it
    client.get("/api/v1/me/")  # the user's auth snapshot cached, as in every request after the first
    with django_assert_max_num_queries(2):  # count, page (progress counted in the page's query)
        response = client.get(URL, {"page_size": 100})
    assert response.json()["count"] == dreams
    assert all(d["progress"]["total_steps"] == steps for d in response.json()["results"])


def test_export_lists_the_dreams(user):
    DreamFactory(user=user, title="Visit Japan")
    assert [d["title"] for d in exported(user)["dreams"]] == ["Visit Japan"]


def test_the_admin_lists_dreams_with_their_progress(admin_client, user):
    dream = DreamFactory(user=user, title="Climb Kilimanjaro")
    add_steps(dream, 2, completed=1)

    page = admin_client.get("/admin/dreams/dream/")

    assert page.status_code == 200 and "1/2" in page.content.decode()
    assert admin_client.get(f"/admin/dreams/dream/{dream.pk}/change/").status_code == 200
    step = Task.objects.filter(dream=dream).first()
    assert admin_client.get(f"/admin/tasks/task/{step.pk}/change/").status_code == 200
