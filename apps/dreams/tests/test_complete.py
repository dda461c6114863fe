"""POST dreams/{id}/complete/: the rules, and the reward paid once in a dream's life."""
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.tasks.exceptions import TaskAlreadyCompleted
from apps.tasks.tests.helpers import stat
from apps.wallet.models import LedgerEntry

from .factories import DreamFactory, add_steps

pytestmark = pytest.mark.django_db


def complete(client, dream, **extra):
    return client.post(f"/api/v1/dreams/{dream.pk}/complete/", **extra)


def test_a_dream_without_steps_cannot_be_completed(auth_client, user):
    dream = DreamFactory(user=user)

    r = complete(auth_client, dream)

    assert r.status_code == 409 and r.json()["code"] == "steps_incomplete"
    dream.refresh_from_db()
    assert dream.status == "active" and dream.reward_paid_at is None
    assert balances(user.pk) == {"xp": 0, "coins": 0, "crystals": 0}


def test_an_open_step_blocks_completion(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 3, completed=2)

    r = complete(auth_client, dream)

    assert r.status_code == 409 and r.json()["code"] == "steps_incomplete"
    assert "1 of 3" in r.json()["detail"]
    assert LedgerEntry.objects.filter(user=user).count() == 0


def test_completion_pays_the_dream_reward_and_counts_it(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 2, completed=2)

    r = complete(auth_client, dream)

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["dream"]["status"] == "completed" and body["dream"]["completed_at"]
    assert body["dream"]["progress"] == {"completed_steps": 2, "total_steps": 2, "percent": 100}
    # 200 XP 100 coins (the contract's default); 200 XP is level 2, which pays 20 coins.
    assert (body["rewards"]["xp"], body["rewards"]["coins"]) == (200, 120)
    assert body["rewards"]["level"] == {"before": 1, "after": 2, "leveled_up": True}
    assert stat(user, "dreams_completed") == 1
    assert LedgerEntry.objects.filter(user=user, reason="dream_completed", ref=f"dream:{dream.pk}").count() == 2
    assert_balances_match_ledger(user.pk)


def test_a_completed_step_cannot_move_on_to_complete_another_dream(auth_client, user):
    first, second = DreamFactory(user=user), DreamFactory(user=user)
    (step,) = add_steps(first, 1, completed=1)
    assert complete(auth_client, first).status_code == 200

    moved = auth_client.patch(f"/api/v1/tasks/{step.pk}/", {"dream": second.pk}, format="json")
    out = auth_client.patch(f"/api/v1/tasks/{step.pk}/", {"dream": None}, format="json")

    assert moved.status_code == out.status_code == 409 and moved.json()["code"] == "already_completed"
    step.refresh_from_db()
    assert step.dream_id == first.pk
    assert complete(auth_client, second).json()["code"] == "steps_incomplete"
    assert stat(user, "dreams_completed") == 1
    # Other edits of a completed step, and moving an open task, stay allowed.
    assert auth_client.patch(f"/api/v1/tasks/{step.pk}/", {"title": "Renamed", "dream": first.pk}, format="json").status_code == 200
    (open_step,) = add_steps(first, 1)
    assert auth_client.patch(f"/api/v1/tasks/{open_step.pk}/", {"dream": second.pk}, format="json").status_code == 200


def test_an_edit_read_before_the_step_moved_and_completed_cannot_move_it_back(user):
    # The view reads the task before the service locks it: meanwhile the step went to the
    # other dream and was completed there. The edit (a whole form, naming the dream the view
    # saw) must not move the completed step back.
    from apps.tasks.models import Task
    from apps.tasks.services import task_update

    first, second = DreamFactory(user=user), DreamFactory(user=user)
    (step,) = add_steps(first, 1)
    seen_by_the_view = Task.objects.get(pk=step.pk)
    Task.objects.filter(pk=step.pk).update(dream=second, status="completed", completed_at=timezone.now())

    with pytest.raises(TaskAlreadyCompleted):
        task_update(task=seen_by_the_view, title="Renamed", dream_id=first.pk)

    assert Task.objects.filter(pk=step.pk, dream=second, title=step.title).exists()


@override_settings(DREAMTRACK_DREAM_COMPLETED_REWARD={"xp": 30, "coins": 7})
def test_the_reward_is_a_setting(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 1, completed=1)
    rewards = complete(auth_client, dream).json()["rewards"]
    assert (rewards["xp"], rewards["coins"]) == (30, 7)


def test_completing_moves_the_dream_achievements(auth_client, user):
    call_command("seed", stdout=io.StringIO())
    codes = []
    for _ in range(5):
        dream = DreamFactory(user=user)
        add_steps(dream, 1, completed=1)
        unlocked = complete(auth_client, dream).json()["rewards"]["achievements"]
        codes.append([a["code"] for a in unlocked if a["code"].startswith(("first-dream", "dreams-"))])

    assert codes == [["first-dream"], [], [], [], ["dreams-5"]]
    assert stat(user, "dreams_completed") == 5
    assert_balances_match_ledger(user.pk)


def test_a_completed_dream_is_409_already_completed(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 1, completed=1)
    assert complete(auth_client, dream).status_code == 200
    paid = balances(user.pk)

    r = complete(auth_client, dream)

    assert r.status_code == 409 and r.json()["code"] == "already_completed"
    assert balances(user.pk) == paid


def test_completing_reopening_and_completing_again_pays_nothing_more(auth_client, user):
    dream = DreamFactory(user=user)
    step = auth_client.post(f"/api/v1/dreams/{dream.pk}/steps/", {"title": "Only step"}, format="json").json()
    assert auth_client.post(f"/api/v1/tasks/{step['id']}/complete/").status_code == 200
    assert complete(auth_client, dream).status_code == 200
    after_first = balances(user.pk)

    # The player reopens the step (same local day) and the dream, finishes both again.
    assert auth_client.post(f"/api/v1/tasks/{step['id']}/reopen/").status_code == 200
    assert auth_client.patch(f"/api/v1/dreams/{dream.pk}/", {"status": "active"}, format="json").status_code == 200
    assert complete(auth_client, dream).json()["code"] == "steps_incomplete"
    assert auth_client.post(f"/api/v1/tasks/{step['id']}/complete/").status_code == 200
    r = complete(auth_client, dream)

    assert r.status_code == 200, r.content
    assert r.json()["dream"]["status"] == "completed"
    assert (r.json()["rewards"]["xp"], r.json()["rewards"]["coins"], r.json()["rewards"]["achievements"]) == (0, 0, [])
    # Only the step's own reward moved again (taken back, then paid again).
    assert balances(user.pk) == after_first
    assert LedgerEntry.objects.filter(user=user, ref=f"dream:{dream.pk}").count() == 2
    assert stat(user, "dreams_completed") == 1
    assert_balances_match_ledger(user.pk)


def test_an_abandoned_dream_can_still_be_completed(auth_client, user):
    dream = DreamFactory(user=user, status="abandoned")
    add_steps(dream, 1, completed=1)
    assert complete(auth_client, dream).json()["rewards"]["xp"] == 200


def test_complete_replays_with_the_same_idempotency_key(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 1, completed=1)

    first = complete(auth_client, dream, HTTP_IDEMPOTENCY_KEY="dream-1")
    again = complete(auth_client, dream, HTTP_IDEMPOTENCY_KEY="dream-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert stat(user, "dreams_completed") == 1
    assert_balances_match_ledger(user.pk)


def test_deleting_a_completed_dream_keeps_its_reward_in_the_ledger(auth_client, user):
    dream = DreamFactory(user=user)
    add_steps(dream, 1, completed=1)
    assert complete(auth_client, dream).status_code == 200

    assert auth_client.delete(f"/api/v1/dreams/{dream.pk}/").status_code == 204

    assert LedgerEntry.objects.filter(user=user, ref=f"dream:{dream.pk}").count() == 2
    assert_balances_match_ledger(user.pk)
