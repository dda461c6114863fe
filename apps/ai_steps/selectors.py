from django.db.models import QuerySet

from .models import StepGenerationJob


def job_list_for_user(*, user) -> QuerySet[StepGenerationJob]:
    """The user's own jobs (someone else's is therefore a 404)."""
    return StepGenerationJob.objects.filter(user=user)
