"""Dream writes: create, edit, delete, add steps, complete.

Steps are tasks with `dream` set (apps.tasks): adding them goes through the task
services, completing them is `tasks/{id}/complete/`. Completing the dream pays
`DREAMTRACK_DREAM_COMPLETED_REWARD` and counts `dreams_completed` once in the dream's
life: `reward_paid_at` is set under the dream's row lock the first time and never
cleared, so completing, reopening (PATCH status) and completing again pays nothing more.
"""
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.errors import BadRequest, NotFound
from apps.core.user_version import user_version_bump
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.tasks.models import Task
from apps.tasks.services import task_create, task_create_many

from .exceptions import DreamAlreadyCompleted, StepsIncomplete
from .models import Dream

EDITABLE_FIELDS = ("title", "description", "target_date", "status")
MAX_BULK_STEPS = 20


def dream_create(*, user, title: str, description: str = "", target_date: date | None = None) -> Dream:
    """A new active dream of `user`, without steps."""
    dream = Dream.objects.create(user=user, title=title, description=description, target_date=target_date)
    dream.total_steps = dream.completed_steps = 0
    user_version_bump(user.pk)
    return dream


def _lock_own_dream(*, user_id: int, dream_id: int) -> Dream:
    try:
        return Dream.objects.select_for_update().get(pk=dream_id, user_id=user_id)
    except Dream.DoesNotExist:
        raise NotFound() from None


def dream_update(*, user, dream_id: int, **changes) -> Dream:
    """Edit title, description, target date or status. `status` may be set to `active` or
    `abandoned` (also from `completed`, which reopens the dream); `completed` only through
    `dream_complete`, which checks the steps and pays."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        dream = _lock_own_dream(user_id=user.pk, dream_id=dream_id)
        status = changes.get("status")
        if status == Dream.Status.COMPLETED and dream.status != Dream.Status.COMPLETED:
            raise BadRequest(errors={"status": ["A dream is completed with POST dreams/{id}/complete/."]})
        if status is not None and status != Dream.Status.COMPLETED:
            changes["completed_at"] = None
        changed = [name for name, value in changes.items() if getattr(dream, name) != value]
        for name in changed:
            setattr(dream, name, changes[name])
        if changed:
            dream.save(update_fields=[*changed, "updated_at"])
            user_version_bump(user.pk)
    return dream


def dream_delete(*, user, dream_id: int) -> None:
    """Delete a dream. Its steps stay as plain tasks (the foreign key is SET_NULL), so
    what their completions earned keeps its tasks and ledger history."""
    with transaction.atomic():
        dream = _lock_own_dream(user_id=user.pk, dream_id=dream_id)
        dream.delete()
        user_version_bump(user.pk)


def dream_step_add(*, user, dream_id: int, **step) -> Task:
    """One new open step (a task) of the user's dream."""
    with transaction.atomic():
        _lock_own_dream(user_id=user.pk, dream_id=dream_id)  # not deleted meanwhile
        return task_create(user=user, dream_id=dream_id, **step)


def dream_steps_add(*, user, dream_id: int, steps: list[dict]) -> list[Task]:
    """Up to MAX_BULK_STEPS new open steps, all or none (e.g. proposals from the AI)."""
    if not 1 <= len(steps) <= MAX_BULK_STEPS:
        raise BadRequest(errors={"steps": [f"Send 1 to {MAX_BULK_STEPS} steps."]})
    with transaction.atomic():
        _lock_own_dream(user_id=user.pk, dream_id=dream_id)
        return task_create_many(user=user, dream_id=dream_id, items=steps)


def dream_complete(*, user, dream_id: int, now: datetime | None = None) -> tuple[Dream, RewardSummary]:
    """Complete the user's dream: it needs at least one step and every step completed
    (409 `steps_incomplete`); a dream already completed is 409 `already_completed`.

    The first completion pays the dream reward and counts `dreams_completed` (and so its
    achievements); a later one (after the dream was reopened) pays and counts nothing.
    Lock order: the wallet, then the dream. Completing or reopening a step locks the
    wallet first too, so the steps cannot change between the count and the commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()
        dream = _lock_own_dream(user_id=user.pk, dream_id=dream_id)
        if dream.status == Dream.Status.COMPLETED:
            raise DreamAlreadyCompleted()
        counts = Task.objects.filter(dream_id=dream.pk).aggregate(
            total=Count("pk"), completed=Count("pk", filter=Q(status=Task.Status.COMPLETED))
        )
        total, completed = counts["total"], counts["completed"]
        if total == 0:
            raise StepsIncomplete("This dream has no steps yet.")
        if completed < total:
            raise StepsIncomplete(f"{total - completed} of {total} steps are not completed yet.")
        if dream.reward_paid_at is None:
            reward = settings.DREAMTRACK_DREAM_COMPLETED_REWARD
            event = ProgressEvent(
                reason="dream_completed",
                ref=f"dream:{dream.pk}",
                xp=reward.get("xp", 0),
                coins=reward.get("coins", 0),
                crystals=reward.get("crystals", 0),
                stats={"dreams_completed": 1},
            )
            dream.reward_paid_at = now
        else:
            # Completed before: the summary shows the player's state, with nothing paid.
            event = ProgressEvent(reason="dream_completed_again", ref=f"dream:{dream.pk}")
        summary = progress.apply(event)
        dream.status = Dream.Status.COMPLETED
        dream.completed_at = now
        dream.save(update_fields=["status", "completed_at", "reward_paid_at", "updated_at"])
    dream.total_steps, dream.completed_steps = total, completed
    return dream, summary
