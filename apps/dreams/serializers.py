from drf_yasg.utils import swagger_serializer_method
from rest_framework import serializers

from apps.core.fields import StrictCharField
from apps.progression.serializers import RewardSummarySerializer
from apps.tasks.models import Difficulty
from apps.tasks.serializers import TaskSerializer

from .models import Dream
from .selectors import dream_progress
from .services import MAX_BULK_STEPS


class DreamProgressSerializer(serializers.Serializer):
    completed_steps = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="completed_steps × 100 ÷ total_steps, rounded down; 0 without steps.")


class DreamSerializer(serializers.Serializer):
    """A dream as the API shows it, with its progress (counted by the selector's query)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    target_date = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Dream.Status.choices)
    progress = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @swagger_serializer_method(serializer_or_field=DreamProgressSerializer)
    def get_progress(self, dream) -> dict:
        return dream_progress(completed_steps=dream.completed_steps, total_steps=dream.total_steps)


class DreamCreateInputSerializer(serializers.Serializer):
    title = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False, default="")
    target_date = serializers.DateField(allow_null=True, required=False, default=None)


class DreamUpdateInputSerializer(DreamCreateInputSerializer):
    """PATCH: any of the fields; `status` active or abandoned (completed only via complete/)."""

    status = serializers.ChoiceField(choices=Dream.Status.choices, required=False)


class DreamStepInputSerializer(serializers.Serializer):
    title = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False, default="")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default=Difficulty.EASY)
    deadline = serializers.DateField(allow_null=True, required=False, default=None)


class DreamStepsBulkInputSerializer(serializers.Serializer):
    # A ListField, not many=True: its length limits reach the schema as minItems/maxItems.
    steps = serializers.ListField(child=DreamStepInputSerializer(), min_length=1, max_length=MAX_BULK_STEPS)


class DreamStepsBulkResultSerializer(serializers.Serializer):
    steps = TaskSerializer(many=True)


class DreamCompleteResultSerializer(serializers.Serializer):
    dream = DreamSerializer()
    rewards = RewardSummarySerializer()
