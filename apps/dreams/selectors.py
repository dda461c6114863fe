"""Reads of dreams, shaped for their callers."""
from django.db.models import Count, Q, QuerySet

from apps.tasks.models import Task

from .models import Dream

COMPLETED_STEP = Q(steps__status=Task.Status.COMPLETED)


def dream_list_for_user(*, user) -> QuerySet[Dream]:
    """The user's dreams (someone else's is therefore a 404), each with `total_steps` and
    `completed_steps` counted in the same query: a page of dreams is one query however
    many dreams and steps there are."""
    # Ordered explicitly: Meta.ordering does not apply to a query with GROUP BY.
    return (
        Dream.objects.filter(user=user)
        .annotate(total_steps=Count("steps"), completed_steps=Count("steps", filter=COMPLETED_STEP))
        .order_by("-created_at", "-id")
    )


def dream_steps(*, dream: Dream) -> QuerySet[Task]:
    """A dream's steps in the order they were added."""
    return Task.objects.filter(user_id=dream.user_id, dream=dream).order_by("id")


def dream_progress(*, completed_steps: int, total_steps: int) -> dict:
    """`{completed_steps, total_steps, percent}`; percent rounded down, 0 without steps."""
    percent = completed_steps * 100 // total_steps if total_steps else 0
    return {"completed_steps": completed_steps, "total_steps": total_steps, "percent": percent}
