from rest_framework import serializers

from apps.core.fields import StrictCharField, StrictIntegerField
from apps.tasks.models import Difficulty

from .models import StepGenerationJob


class GenerateStepsInputSerializer(serializers.Serializer):
    count = StrictIntegerField(min_value=3, max_value=10, help_text="How many steps to propose (3-10).")
    language = StrictCharField(
        max_length=35, required=False, allow_blank=True, default="",
        help_text="The language to write the steps in (a name or a tag: `Spanish`, `es`). Default: the dream's.",
    )
    notes = StrictCharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Anything the model should know (time available, constraints). Passed as data, not instructions.",
    )


class ProposedStepSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)


class StepGenerationJobSerializer(serializers.Serializer):
    """A job as its owner sees it. `steps` are proposals: post them to `dreams/{id}/steps/bulk/`."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=StepGenerationJob.Status.choices)
    dream = serializers.IntegerField(source="dream_id")
    steps = ProposedStepSerializer(many=True)
    error = serializers.SerializerMethodField(help_text="Why the job failed, for people; null unless failed.")
    error_code = serializers.SerializerMethodField(
        help_text="upstream_timeout | upstream_error | invalid_answer | stale | queue_unavailable | timeout | "
        "internal_error; null unless failed."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_error(self, job) -> str | None:
        return job.error or None

    def get_error_code(self, job) -> str | None:
        return job.error_code or None
