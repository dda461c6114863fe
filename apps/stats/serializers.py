from rest_framework import serializers

from .selectors import CONTRACT_COUNTERS


class StatsSerializer(serializers.Serializer):
    """The contract's counters; more keys may appear as apps add statistics."""

    def get_fields(self):
        return {key: serializers.IntegerField() for key in CONTRACT_COUNTERS}


class StatsDailySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The user's local day.")
    tasks_completed = serializers.IntegerField()
    habit_check_ins = serializers.IntegerField()
    xp_earned = serializers.IntegerField()
    coins_earned = serializers.IntegerField()
