from rest_framework import serializers

from apps.progression.serializers import RewardSummarySerializer

from .models import Difficulty, Task


class TaskSerializer(serializers.ModelSerializer):
    """A task as the API shows it. `status` and `completed_at` change only via complete/reopen."""

    description = serializers.CharField(read_only=True, allow_blank=True)
    dream = serializers.IntegerField(source="dream_id", allow_null=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "difficulty",
            "deadline",
            "dream",
            "status",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields


class TaskInputSerializer(serializers.Serializer):
    """Create (title required) or, with `partial=True`, edit a task."""

    title = serializers.CharField(min_length=1, max_length=200)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default=Difficulty.EASY)
    deadline = serializers.DateField(allow_null=True, required=False, default=None)
    dream = serializers.IntegerField(
        allow_null=True,
        required=False,
        default=None,
        help_text="A dream id (the task becomes a step of it). Until dreams exist only null is accepted.",
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
