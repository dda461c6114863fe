"""dreams/{id}/steps/ and steps/bulk/: steps are tasks with `dream` set."""
import pytest

from apps.tasks.models import Task
from conftest import client_for

from .factories import DreamFactory, add_steps

pytestmark = pytest.mark.django_db


def steps_url(dream) -> str:
    return f"/api/v1/dreams/{dream.pk}/steps/"


def test_a_step_is_a_task_of_the_dream(auth_client, user):
    dream = DreamFactory(user=user)

    r = auth_client.post(steps_url(dream), {"title": "Buy shoes", "difficulty": "trivial"}, format="json")

    assert r.status_code == 201, r.content
    assert (r.json()["dream"], r.json()["difficulty"], r.json()["status"]) == (dream.pk, "trivial", "open")
    task = Task.objects.get(pk=r.json()["id"])
    assert (task.user_id, task.dream_id, task.difficulty_rank) == (user.pk, dream.pk, 0)
    assert auth_client.post(steps_url(dream), {"title": ""}, format="json").status_code == 400


def test_steps_are_listed_in_the_order_they_were_added(auth_client, user):
    dream = DreamFactory(user=user)
    steps = add_steps(dream, 25)
    add_steps(DreamFactory(user=user), 2)  # another dream's steps are not listed

    first = auth_client.get(steps_url(dream)).json()
    assert first["count"] == 25
    assert [s["id"] for s in first["results"]] == [s.pk for s in steps[:20]]
    assert [s["id"] for s in auth_client.get(first["next"]).json()["results"]] == [s.pk for s in steps[20:]]


def test_bulk_creates_all_the_steps_in_order(auth_client, user):
    dream = DreamFactory(user=user)
    body = {"steps": [{"title": f"Step {n}", "description": "d", "difficulty": "medium"} for n in range(20)]}

    r = auth_client.post(f"{steps_url(dream)}bulk/", body, format="json")

    assert r.status_code == 201, r.content
    created = r.json()["steps"]
    assert [s["title"] for s in created] == [f"Step {n}" for n in range(20)]
    assert all(s["dream"] == dream.pk and s["difficulty"] == "medium" for s in created)
    assert [s["id"] for s in auth_client.get(steps_url(dream), {"page_size": 50}).json()["results"]] == [
        s["id"] for s in created
    ]
    assert set(Task.objects.filter(dream=dream).values_list("difficulty_rank", flat=True)) == {2}
    assert auth_client.get(f"/api/v1/dreams/{dream.pk}/").json()["progress"]["total_steps"] == 20


def test_bulk_over_twenty_steps_is_400_and_creates_none(auth_client, user):
    dream = DreamFactory(user=user)

    r = auth_client.post(f"{steps_url(dream)}bulk/", {"steps": [{"title": f"S{n}"} for n in range(21)]}, format="json")

    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    assert any(key.startswith("steps") for key in r.json()["errors"])
    assert Task.objects.count() == 0


@pytest.mark.parametrize("steps", [[], None, "nope", [{"title": "ok"}, {"title": ""}], [{"title": "ok"}, {"title": "x", "difficulty": "epic"}]])
def test_bulk_with_one_bad_step_is_400_and_creates_none(auth_client, user, steps):
    dream = DreamFactory(user=user)

    r = auth_client.post(f"{steps_url(dream)}bulk/", {"steps": steps}, format="json")

    assert r.status_code == 400, r.content
    assert Task.objects.count() == 0


def test_bulk_is_all_or_nothing_when_the_database_refuses_one(auth_client, user, monkeypatch):
    # A failure in the middle of the insert (here: the cache token bump after it) leaves nothing.
    dream = DreamFactory(user=user)
    from apps.tasks import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "user_version_bump", broken)
    client = client_for(user)
    client.raise_request_exception = False

    r = client.post(f"{steps_url(dream)}bulk/", {"steps": [{"title": "a"}, {"title": "b"}]}, format="json")

    assert r.status_code == 500
    assert Task.objects.count() == 0
