"""Running one step-generation job (called by the Celery task, inline without Redis)."""
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from . import openrouter
from .models import StepGenerationJob

logger = logging.getLogger("dreamtrack.ai")

Status = StepGenerationJob.Status


def job_run(*, job_id: int) -> None:
    """Claim a pending job (pending -> running, one statement: a job runs at most once, and
    one failed by the stale-job sweep or deleted with its dream is never started), call
    OpenRouter, and record the proposals or a readable error. Never raises: a job always
    ends succeeded or failed."""
    claimed = StepGenerationJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("ai job %s not pending any more: skipped", job_id)
        return
    job = StepGenerationJob.objects.filter(pk=job_id).first()
    if job is None:  # deleted with its dream meanwhile
        return
    try:
        proposal = openrouter.propose_steps(request=job.request, job_id=job.pk)
    except openrouter.ProposalError as exc:
        _finish(job, Status.FAILED, stats=exc.stats, error=exc.message, error_code=exc.code)
    except SoftTimeLimitExceeded:
        _finish(job, Status.FAILED, error="Generating steps took too long; try again.", error_code="timeout")
    except Exception:
        logger.exception("ai job %s failed unexpectedly", job_id)
        _finish(job, Status.FAILED, error="Something went wrong while generating steps; try again.", error_code="internal_error")
    else:
        _finish(job, Status.SUCCEEDED, stats=proposal.stats, steps=proposal.steps, model=proposal.model)


def _finish(job, status: str, *, stats=None, **fields) -> None:
    if stats is not None:
        fields.update(
            attempts=stats.attempts,
            latency_ms=stats.latency_ms,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
    # Only a job still running: one the sweep failed meanwhile stays failed.
    StepGenerationJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )
