"""The task admin edits what a player could edit, never what a completion wrote."""
import pytest

from apps.dreams.tests.factories import DreamFactory, add_steps
from apps.tasks.models import Task
from apps.tasks.services import task_complete
from apps.wallet.models import LedgerEntry

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


def change(admin_client, task, **fields):
    """POST the change form as an admin who opened it before anything below happened."""
    data = {"title": task.title, "description": task.description, "difficulty": task.difficulty,
            "deadline": "", "dream": task.dream_id or "", **fields}
    return admin_client.post(f"/admin/tasks/task/{task.pk}/change/", data, follow=True)


def test_an_admin_edit_keeps_a_completion_made_meanwhile(admin_client, user):
    task = TaskFactory(user=user, title="Read")
    opened = Task.objects.get(pk=task.pk)  # the form as the admin loaded it: open
    task_complete(user=user, task_id=task.pk)

    assert change(admin_client, opened, title="Read a book").status_code == 200

    task.refresh_from_db()
    assert (task.title, task.status, task.reward_xp) == ("Read a book", "completed", 10)
    assert LedgerEntry.objects.filter(user=user, ref=f"task:{task.pk}").count() == 2  # XP and coins, once


def test_a_completed_step_keeps_its_dream_and_a_task_its_player(admin_client, user, make_user):
    first, second = DreamFactory(user=user), DreamFactory(user=user)
    (done,) = add_steps(first, 1, completed=1)
    change(admin_client, done, dream=second.pk, user=make_user("bob").pk)
    done.refresh_from_db()
    assert (done.dream_id, done.user_id) == (first.pk, user.pk)


def test_a_step_completed_while_the_admin_moves_it_stays(admin_client, user):
    first, second = DreamFactory(user=user), DreamFactory(user=user)
    (step,) = add_steps(first, 1)
    opened = Task.objects.get(pk=step.pk)  # open when the admin loaded the form
    task_complete(user=user, task_id=step.pk)

    change(admin_client, opened, dream=second.pk)

    step.refresh_from_db()
    assert (step.dream_id, step.status) == (first.pk, "completed")


def test_a_dream_stays_its_players(admin_client, user, make_user):
    dream = DreamFactory(user=user, title="Run")
    admin_client.post(f"/admin/dreams/dream/{dream.pk}/change/",
                      {"title": "Run far", "description": "", "target_date": "", "user": make_user("bob").pk})
    dream.refresh_from_db()
    assert (dream.title, dream.user_id) == ("Run far", user.pk)


def test_the_admin_refuses_a_move_when_the_task_completes_just_before_the_save(rf, admin_user, user):
    # The narrowest window: the form was valid for an open task, the completion commits
    # before save_model; the service's check under the row lock refuses the move.
    from django.contrib.admin.sites import site
    from django.contrib.messages.storage.fallback import FallbackStorage

    first, second = DreamFactory(user=user), DreamFactory(user=user)
    (step,) = add_steps(first, 1)
    admin = site._registry[Task]
    request = rf.post("/")
    request.user, request.session = admin_user, {}
    request._messages = FallbackStorage(request)
    form = admin.get_form(request, step)(
        {"title": step.title, "description": "", "difficulty": "easy", "deadline": "", "dream": second.pk}, instance=step
    )
    assert form.is_valid(), form.errors
    task_complete(user=user, task_id=step.pk)

    admin.save_model(request, form.save(commit=False), form, change=True)

    step.refresh_from_db()
    assert (step.dream_id, step.status) == (first.pk, "completed")
    assert "The dream was not changed" in str(list(request._messages)[0])

