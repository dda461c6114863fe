
from rest_framework import serializers

from apps.core.query import DateRangeQuerySerializer

from .selectors import CONTRACT_COUNTERS

MAX_DAILY_RANGE_DAYS = 366
DEFAULT_DAILY_RANGE_DAYS = 30


class StatsSerializer(serializers.Serializer):
    """The contract's counters; more keys may appear as apps add statistics."""

    def get_fields(self):
        return {key: serializers.IntegerField() for key in CONTRACT_COUNTERS}


class StatsDailyQuerySerializer(DateRangeQuerySerializer):
    """`?from=&to=` (local dates, inclusive). Defaults: the last 30 local days ending `to` (default today)."""

    default_days = DEFAULT_DAILY_RANGE_DAYS
    max_days = MAX_DAILY_RANGE_DAYS


class StatsDailySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The user's local day.")
    tasks_completed = serializers.IntegerField()
    habit_check_ins = serializers.IntegerField()
    xp_earned = serializers.IntegerField()
    coins_earned = serializers.IntegerField()
