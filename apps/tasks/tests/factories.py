import factory

from apps.tasks.models import Task


class TaskFactory(factory.django.DjangoModelFactory):
    """Pass `user=` (a user made with `make_user`, so it has a wallet and streak)."""

    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    difficulty = "easy"
