from rest_framework import serializers

from apps.core.fields import StrictCharField, StrictIntegerField
from apps.progression.serializers import RewardSummarySerializer

from .models import Difficulty, Task


class TaskSerializer(serializers.Serializer):
    """A task as the API shows it (read-only: edits go through TaskInputSerializer).
    `status` and `completed_at` change only via complete/reopen."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    deadline = serializers.DateField(allow_null=True)
    dream = serializers.IntegerField(source="dream_id", allow_null=True)
    status = serializers.ChoiceField(choices=Task.Status.choices)
    completed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class TaskInputSerializer(serializers.Serializer):
    """Create (title required) or, with `partial=True`, edit a task."""

    title = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False, default="")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default=Difficulty.EASY)
    deadline = serializers.DateField(allow_null=True, required=False, default=None)
    dream = StrictIntegerField(
        allow_null=True,
        required=False,
        default=None,
        help_text="One of your dreams' ids (the task becomes a step of it), or null. Any other id: 404.",
    )

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "dream" in data:
            data["dream_id"] = data.pop("dream")
        return data


class TaskRewardResultSerializer(serializers.Serializer):
    """The answer of complete/reopen: the task and what the request granted (or took back)."""

    task = TaskSerializer()
    rewards = RewardSummarySerializer()
