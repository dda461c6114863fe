import factory

from apps.core.user_version import user_version_bump
from apps.dreams.models import Dream
from apps.tasks.models import DIFFICULTY_RANK, Task


class DreamFactory(factory.django.DjangoModelFactory):
    """Pass `user=`. Writes the row directly, so it replaces the user's cache token as the service does."""

    class Meta:
        model = Dream

    title = factory.Sequence(lambda n: f"Dream {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        dream = super()._create(model_class, *args, **kwargs)
        user_version_bump(dream.user_id)
        return dream


def add_steps(dream, count: int, *, completed: int = 0, difficulty: str = "easy") -> list[Task]:
    """`count` steps of `dream`, the first `completed` of them already completed (written
    directly: no reward paid, as a fixture of data that exists)."""
    from django.utils import timezone

    now = timezone.now()
    steps = Task.objects.bulk_create(
        Task(
            user_id=dream.user_id,
            dream=dream,
            title=f"{dream.title} step {n}",
            difficulty=difficulty,
            difficulty_rank=DIFFICULTY_RANK[difficulty],
            status="completed" if n < completed else "open",
            completed_at=now if n < completed else None,
        )
        for n in range(count)
    )
    user_version_bump(dream.user_id)
    return steps
