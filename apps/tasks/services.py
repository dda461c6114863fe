"""Task writes: create, edit, delete, complete, reopen.

Rewards (contract, Game rules): the base reward comes from
`DREAMTRACK_DIFFICULTY_REWARDS[difficulty]`; a task with a deadline completed on
or before it (the user's local day) earns `DREAMTRACK_ON_TIME_BONUS_PERCENT` more
XP and coins, rounded down; active boosts multiply that (in the progress engine);
completions past `DREAMTRACK_DAILY_COMPLETION_CAP` in one local day earn nothing.
The completion's own reward is stored on the task (`reward_xp`, `reward_coins`)
so that `task_reopen` takes back exactly that, through the ledger.

A task may be a step of one of the user's own dreams (`Task.dream`); any other dream
id is a 404, like every object that is not the user's. The dream is looked up through
the foreign key's model, so this app never imports the dreams app (which imports it).
"""
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.localday import local_date
from apps.core.user_version import user_version_bump
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService

from .exceptions import TaskAlreadyCompleted, TaskNotCompleted, TaskReopenWindowClosed
from .models import DIFFICULTY_RANK, Task

EDITABLE_FIELDS = ("title", "description", "difficulty", "deadline", "dream_id")
# What complete and reopen change on the task row (never an edit's fields).
COMPLETION_FIELDS = [
    "status",
    "completed_at",
    "completed_local_date",
    "reward_xp",
    "reward_coins",
    "completed_on_time",
    "updated_at",
]


def _check_dream(*, user, dream_id: int | None) -> None:
    """404 unless `dream_id` is null or one of the user's own dreams."""
    if dream_id is None:
        return
    dreams = Task._meta.get_field("dream").related_model._default_manager
    if not dreams.filter(pk=dream_id, user_id=user.pk).exists():
        raise NotFound("Dream not found.")


def task_create(
    *,
    user,
    title: str,
    description: str = "",
    difficulty: str = Task._meta.get_field("difficulty").default,
    deadline: date | None = None,
    dream_id: int | None = None,
) -> Task:
    """Create an open task for `user`; `dream_id`: one of the user's dreams (else 404) or null."""
    _check_dream(user=user, dream_id=dream_id)
    task = Task(
        user=user, title=title, description=description, difficulty=difficulty, deadline=deadline, dream_id=dream_id
    )
    task.save()
    user_version_bump(user.pk)
    return task


def task_create_many(*, user, items: list[dict], dream_id: int | None = None) -> list[Task]:
    """Create several open tasks at once (all or none), e.g. a dream's steps. Each item has
    `title` and optionally `description`, `difficulty`, `deadline`."""
    _check_dream(user=user, dream_id=dream_id)
    default = Task._meta.get_field("difficulty").default
    tasks = []
    for item in items:
        difficulty = item.get("difficulty") or default
        tasks.append(
            Task(
                user=user,
                dream_id=dream_id,
                title=item["title"],
                description=item.get("description", ""),
                difficulty=difficulty,
                difficulty_rank=DIFFICULTY_RANK[difficulty],  # bulk_create does not call save()
                deadline=item.get("deadline"),
            )
        )
    with transaction.atomic():
        created = Task.objects.bulk_create(tasks)
    user_version_bump(user.pk)
    return created


def task_update(*, task: Task, **changes) -> Task:
    """Edit a task's own fields. Status and rewards never change here: editing a
    completed task (even its difficulty) leaves what its completion earned as it is."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "dream_id" in changes:
        _check_dream(user=task.user, dream_id=changes["dream_id"])
    if not changes:
        return task
    with transaction.atomic():
        if "dream_id" in changes:
            _check_movable(task, dream_id=changes["dream_id"])
        for name, value in changes.items():
            setattr(task, name, value)
        # Only the edited columns: a concurrent complete/reopen owns status and rewards.
        task.save(update_fields=[*changes, "updated_at"])
    user_version_bump(task.user_id)
    return task


def _check_movable(task: Task, *, dream_id: int | None) -> None:
    """A completed task stays with its dream (409): moved to another, one completion would
    complete any number of dreams, each paying the dream reward. Compared with the row as
    it is under its lock (the view read it earlier), so a move or completion racing this
    edit is seen; `task` is brought up to date with it."""
    locked = Task.objects.select_for_update().filter(pk=task.pk).values("status", "dream_id", "completed_at").first()
    if locked is None:
        raise NotFound()  # deleted meanwhile
    task.status, task.completed_at = locked["status"], locked["completed_at"]
    if dream_id != locked["dream_id"] and locked["status"] == Task.Status.COMPLETED:
        raise TaskAlreadyCompleted("A completed task cannot move to another dream; reopen it first.")


def task_delete(*, task: Task) -> None:
    """Delete a task. What its completion earned stays: ledger rows refer to it only by `task:<id>`."""
    task.delete()
    user_version_bump(task.user_id)  # after the delete: a read in between caches the old list


def task_reward(*, difficulty: str, deadline: date | None, day: date) -> tuple[int, int, bool]:
    """(xp, coins, on_time) of completing a task on local day `day`, before boosts and the cap."""
    base = settings.DREAMTRACK_DIFFICULTY_REWARDS[difficulty]
    xp, coins = base["xp"], base["coins"]
    on_time = deadline is not None and day <= deadline
    if on_time:
        percent = settings.DREAMTRACK_ON_TIME_BONUS_PERCENT
        xp += xp * percent // 100
        coins += coins * percent // 100
    return xp, coins, on_time


def _lock_own_task(*, progress: UserProgressService, task_id: int) -> Task:
    """Lock the user's wallet, then their task (the global lock order); 404 if not theirs."""
    progress.lock()
    try:
        return Task.objects.select_for_update().get(pk=task_id, user_id=progress.user_id)
    except Task.DoesNotExist:
        raise NotFound() from None


def task_complete(*, user, task_id: int, now: datetime | None = None) -> tuple[Task, RewardSummary]:
    """Complete the user's open task and pay its reward. 404 if not theirs, 409 if already completed.

    The task is locked after the wallet and checked under both locks, so concurrent
    completions of one task pay exactly once.
    """
    now = now or timezone.now()
    today = local_date(user, now)
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        task = _lock_own_task(progress=progress, task_id=task_id)
        if task.status == Task.Status.COMPLETED:
            raise TaskAlreadyCompleted()
        xp, coins, on_time = task_reward(difficulty=task.difficulty, deadline=task.deadline, day=today)
        summary = progress.apply(
            ProgressEvent(
                reason="task_completed",
                ref=f"task:{task.pk}",
                xp=xp,
                coins=coins,
                boostable=True,
                activity="tasks_completed",
                capped_by="task_completions",
                stats={"tasks_completed": 1, "tasks_completed_on_time": 1 if on_time else 0},
                day=today,
            )
        )
        task.status = Task.Status.COMPLETED
        task.completed_at = now
        task.completed_local_date = today
        task.completed_on_time = on_time
        # The own reward after boosts and the cap (0 when capped): what reopen takes back.
        task.reward_xp = summary.own_xp
        task.reward_coins = summary.own_coins
        task.save(update_fields=COMPLETION_FIELDS)
    return task, summary


def task_reopen(*, user, task_id: int, now: datetime | None = None) -> tuple[Task, RewardSummary]:
    """Reopen a task completed today (local day), taking back its own reward.

    Only the completion's own reward (base, on-time bonus, boost) is reversed;
    level-up, streak-milestone and achievement rewards, unlocked achievements and
    the streak stay. The day's completion count (the anti-farming cap) keeps
    counting the reopened completion. 409 `not_completed` for an open task,
    409 `reopen_window_closed` after its local day, 409 `insufficient_funds`
    (nothing changed) when the coins were already spent.
    """
    now = now or timezone.now()
    today = local_date(user, now)
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        task = _lock_own_task(progress=progress, task_id=task_id)
        if task.status != Task.Status.COMPLETED:
            raise TaskNotCompleted()
        if task.completed_local_date != today:
            raise TaskReopenWindowClosed()
        summary = progress.apply(
            ProgressEvent(
                reason="task_reopened",
                ref=f"task:{task.pk}",
                xp=-task.reward_xp,
                coins=-task.reward_coins,
                reversal=True,
                activity="tasks_completed",
                activity_delta=-1,
                stats={"tasks_completed": -1, "tasks_completed_on_time": -1 if task.completed_on_time else 0},
                day=task.completed_local_date,
            )
        )
        task.status = Task.Status.OPEN
        task.completed_at = None
        task.completed_local_date = None
        task.reward_xp = 0
        task.reward_coins = 0
        task.completed_on_time = False
        task.save(update_fields=COMPLETION_FIELDS)
    return task, summary
