"""The Celery task that runs step-generation jobs (inline when there is no Redis)."""
import logging

from celery import shared_task
from django.conf import settings

from .runner import job_run

logger = logging.getLogger("dreamtrack.ai")


def _time_limit() -> int:
    """Every attempt may wait the full timeout, plus the pauses between them."""
    attempts = settings.AI_MAX_RETRIES + 1
    pauses = sum(settings.AI_RETRY_BACKOFF_SECONDS * 2**n for n in range(settings.AI_MAX_RETRIES))
    return int(attempts * settings.OPENROUTER_TIMEOUT + pauses) + 30


@shared_task(name="apps.ai_steps.tasks.generate_dream_steps", ignore_result=True, soft_time_limit=_time_limit())
def generate_dream_steps(job_id: int) -> None:
    job_run(job_id=job_id)


def generate_dream_steps_enqueue(job_id: int) -> bool:
    """Queue the job (or, without Redis, run it now). A message older than the stale-job
    limit is dropped by the worker: the sweep fails that job instead. False when the
    broker could not be reached."""
    try:
        generate_dream_steps.apply_async(args=[job_id], expires=settings.AI_JOB_STALE_AFTER.total_seconds())
    except Exception:
        logger.exception("ai job %s could not be queued", job_id)
        return False
    return True


def runs_inline() -> bool:
    """True without a broker (no REDIS_URL): a job queued outside a transaction has already
    run when `generate_dream_steps_enqueue` returns."""
    return generate_dream_steps.app.conf.task_always_eager
