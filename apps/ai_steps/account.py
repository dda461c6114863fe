"""The AI part of `me/export/`: what was asked and proposed. Jobs cascade with the user."""
from .models import StepGenerationJob


def export(user):
    rows = StepGenerationJob.objects.filter(user=user).order_by("created_at", "id").iterator(chunk_size=500)
    return (
        {
            "id": job.pk,
            "dream_id": job.dream_id,
            "status": job.status,
            "request": job.request,
            "steps": job.steps,
            "error": job.error,
            "created_at": job.created_at.isoformat(),
        }
        for job in rows
    )
