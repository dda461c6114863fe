"""Step-generation jobs: create one (the request answers 202 at once), sweep stale ones.

The OpenRouter call never runs in the request: the job is queued when the row is committed
and a Celery worker runs it (apps/ai_steps/runner.py); without Redis, Celery runs it inline.
"""
import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import NotFound
from apps.dreams.models import Dream

from .exceptions import AIUnavailable
from .models import StepGenerationJob
from .tasks import generate_dream_steps_enqueue

logger = logging.getLogger("dreamtrack.ai")

Status = StepGenerationJob.Status
STALE_ERROR = "The job did not finish in time; try again."


def job_create(*, user, dream_id: int, count: int, language: str = "", notes: str = "") -> StepGenerationJob:
    """A pending job for `count` step proposals for the user's dream, queued once committed.
    No API key configured: 503 `ai_unavailable` and no job. Not the user's dream: 404."""
    if not settings.OPENROUTER_API_KEY:
        raise AIUnavailable()
    dream = Dream.objects.filter(pk=dream_id, user_id=user.pk).only("pk", "title", "description").first()
    if dream is None:
        raise NotFound()
    request = {
        "title": dream.title,
        "description": dream.description,
        "notes": notes,
        "language": language,
        "count": count,
    }
    job = StepGenerationJob.objects.create(user=user, dream=dream, request=request, model=settings.OPENROUTER_MODEL)
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: StepGenerationJob) -> None:
    if not generate_dream_steps_enqueue(job.pk):
        StepGenerationJob.objects.filter(pk=job.pk, status=Status.PENDING).update(
            status=Status.FAILED,
            error="The job could not be queued; try again later.",
            error_code="queue_unavailable",
            finished_at=timezone.now(),
        )


def jobs_fail_stale(*, now: datetime) -> int:
    """Fail jobs pending or running for longer than AI_JOB_STALE_AFTER (a worker that died,
    a message lost): their owners see a readable error instead of waiting for ever."""
    cutoff = now - settings.AI_JOB_STALE_AFTER
    stale = Q(status=Status.PENDING, created_at__lt=cutoff) | Q(status=Status.RUNNING, started_at__lt=cutoff)
    return StepGenerationJob.objects.filter(stale).update(
        status=Status.FAILED, error=STALE_ERROR, error_code="stale", finished_at=now
    )
