import factory

from apps.core.user_version import user_version_bump
from apps.tasks.models import Task


class TaskFactory(factory.django.DjangoModelFactory):
    """Pass `user=` (a user made with `make_user`, so it has a wallet and streak).

    Writes the row directly, so it replaces the user's cache token as `task_create` does."""

    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    difficulty = "easy"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        task = super()._create(model_class, *args, **kwargs)
        user_version_bump(task.user_id)
        return task
