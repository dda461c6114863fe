from datetime import date, timedelta

from rest_framework import serializers

from .selectors import CONTRACT_COUNTERS

MAX_DAILY_RANGE_DAYS = 366
DEFAULT_DAILY_RANGE_DAYS = 30


class StatsSerializer(serializers.Serializer):
    """The contract's counters; more keys may appear as apps add statistics."""

    def get_fields(self):
        return {key: serializers.IntegerField() for key in CONTRACT_COUNTERS}


class StatsDailyQuerySerializer(serializers.Serializer):
    """`?from=&to=` (local dates, inclusive). Defaults: the last 30 local days ending `to` (default today)."""

    to = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # `from` is a Python keyword
        return fields

    def validate(self, attrs):
        today: date = self.context["today"]
        end = attrs.get("to") or today
        start = attrs.get("from")
        if start is None:
            span = timedelta(days=DEFAULT_DAILY_RANGE_DAYS - 1)
            start = end - span if end - date.min >= span else date.min
        if start > end:
            raise serializers.ValidationError({"from": ["`from` must be on or before `to`."]})
        if (end - start).days + 1 > MAX_DAILY_RANGE_DAYS:
            raise serializers.ValidationError({"to": [f"At most {MAX_DAILY_RANGE_DAYS} days at once."]})
        return {"start": start, "end": end}


class StatsDailySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The user's local day.")
    tasks_completed = serializers.IntegerField()
    habit_check_ins = serializers.IntegerField()
    xp_earned = serializers.IntegerField()
    coins_earned = serializers.IntegerField()
