from rest_framework import serializers

from apps.core.fields import StrictBooleanField, StrictCharField, StrictDecimalField, StrictIntegerField
from apps.progression.serializers import RewardSummarySerializer

from .models import Difficulty, Habit


class HabitScheduleSerializer(serializers.Serializer):
    """`{type, days, times, every}`: `days` (0-6, Monday 0) for `weekdays`, `times` (1-7) for
    `times_per_week`, `every` (1-365) for `every_n_days`; the others are ignored."""

    type = serializers.ChoiceField(choices=Habit.ScheduleType.choices, default=Habit.ScheduleType.DAILY)
    days = serializers.ListField(
        child=StrictIntegerField(min_value=0, max_value=6), required=False, max_length=7, default=list
    )
    times = StrictIntegerField(min_value=1, max_value=7, required=False, allow_null=True, default=None)
    every = StrictIntegerField(min_value=1, max_value=365, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        kind = attrs.get("type") or Habit.ScheduleType.DAILY  # a PATCH sends the whole schedule
        days, times, every = sorted(set(attrs.get("days") or [])), attrs.get("times"), attrs.get("every")
        if kind == Habit.ScheduleType.WEEKDAYS and not days:
            raise serializers.ValidationError({"days": ["A weekdays schedule needs at least one day (0-6, Monday 0)."]})
        if kind == Habit.ScheduleType.TIMES_PER_WEEK and times is None:
            raise serializers.ValidationError({"times": ["A times_per_week schedule needs `times` (1-7)."]})
        if kind == Habit.ScheduleType.EVERY_N_DAYS and every is None:
            raise serializers.ValidationError({"every": ["An every_n_days schedule needs `every` (1-365)."]})
        return {
            "schedule_type": kind,
            "schedule_days": days if kind == Habit.ScheduleType.WEEKDAYS else [],
            "schedule_times": times if kind == Habit.ScheduleType.TIMES_PER_WEEK else None,
            "schedule_every": every if kind == Habit.ScheduleType.EVERY_N_DAYS else None,
        }

    def to_representation(self, habit):
        return {
            "type": habit.schedule_type,
            "days": list(habit.schedule_days or []),
            "times": habit.schedule_times,
            "every": habit.schedule_every,
        }


_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=20, decimal_places=2)  # Habit.money_saved
_PRICE = serializers.DecimalField(max_digits=10, decimal_places=2)


class HabitMilestoneSerializer(serializers.Serializer):
    label = serializers.CharField()
    text = serializers.CharField()
    after_seconds = serializers.IntegerField(help_text="Seconds after the last logged unit.")
    at = serializers.DateTimeField(help_text="When it is (or was) reached, unless a unit is logged before.")


class HabitHealthSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="The last logged unit (the habit's creation when none was logged).")
    reached = HabitMilestoneSerializer(allow_null=True)
    next = HabitMilestoneSerializer(allow_null=True)


class HabitMetricsSerializer(serializers.Serializer):
    """Build habits carry the first six fields, quit habits the others."""

    current_streak = serializers.IntegerField(required=False, help_text="In periods: scheduled days, or weeks.")
    longest_streak = serializers.IntegerField(required=False)
    completion_rate_7d = serializers.FloatField(required=False, help_text="Scheduled days done / scheduled days, 0-1.")
    completion_rate_30d = serializers.FloatField(required=False)
    total_check_ins = serializers.IntegerField(required=False)
    done_today = serializers.BooleanField(required=False)
    clean_streak = serializers.IntegerField(required=False, help_text="Settled clean days in a row (unlogged days skip).")
    longest_clean_streak = serializers.IntegerField(required=False)
    units_today = serializers.IntegerField(required=False)
    avg_per_day_7d = serializers.FloatField(
        required=False, allow_null=True, help_text="Units per logged day over the 7 local days before today."
    )
    reduction_pct = serializers.FloatField(required=False, allow_null=True, help_text="Against `baseline_per_day`.")
    money_saved = serializers.DecimalField(
        max_digits=20, decimal_places=2, required=False, help_text="(baseline - units) x cost_per_unit over settled days."
    )
    health = HabitHealthSerializer(required=False, help_text="Health milestones since the last logged unit.")

    def to_representation(self, metrics: dict) -> dict:
        # Only the habit kind's own fields (a missing field is another kind's); values built
        # directly, as the declared fields render them (a test compares both).
        shown = dict(metrics)
        if "money_saved" in shown:
            shown["money_saved"] = _MONEY.to_representation(shown["money_saved"])
        if "health" in shown:
            health = shown["health"]
            shown["health"] = {
                "since": _DATETIME.to_representation(health["since"]),
                "reached": _milestone(health["reached"]),
                "next": _milestone(health["next"]),
            }
        return shown


def _milestone(milestone: dict | None) -> dict | None:
    if milestone is None:
        return None
    return {**milestone, "at": _DATETIME.to_representation(milestone["at"])}


HABIT_METRICS = HabitMetricsSerializer()


class HabitSerializer(serializers.Serializer):
    """A habit as the API shows it, with its `metrics` (read-only: edits go through HabitInputSerializer)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Habit.Kind.choices)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    schedule = HabitScheduleSerializer(source="*")
    target_per_day = serializers.IntegerField()
    unit = serializers.CharField(allow_blank=True)
    baseline_per_day = serializers.IntegerField()
    cost_per_unit = serializers.DecimalField(max_digits=10, decimal_places=2)
    archived = serializers.BooleanField()
    start_date = serializers.DateField(help_text="The local day the habit began.")
    created_at = serializers.DateTimeField()
    metrics = HabitMetricsSerializer()

    def to_representation(self, habit: Habit) -> dict:
        # The declared fields' rendering, built directly: a list shows 50 habits with their
        # metrics, and DRF's field-by-field walk cost more than the rest of the list (a test
        # compares both).
        return {
            "id": habit.pk,
            "title": habit.title,
            "description": habit.description,
            "kind": habit.kind,
            "difficulty": habit.difficulty,
            "schedule": {
                "type": habit.schedule_type,
                "days": list(habit.schedule_days or []),
                "times": habit.schedule_times,
                "every": habit.schedule_every,
            },
            "target_per_day": habit.target_per_day,
            "unit": habit.unit,
            "baseline_per_day": habit.baseline_per_day,
            "cost_per_unit": _PRICE.to_representation(habit.cost_per_unit),
            "archived": habit.archived,
            "start_date": habit.start_date.isoformat(),
            "created_at": _DATETIME.to_representation(habit.created_at),
            "metrics": HABIT_METRICS.to_representation(habit.metrics),
        }


class HabitInputSerializer(serializers.Serializer):
    """Create (title and kind required) or, with `partial=True`, edit a habit. `kind` cannot change."""

    title = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False, default="")
    kind = serializers.ChoiceField(choices=Habit.Kind.choices)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default=Difficulty.EASY)
    schedule = HabitScheduleSerializer(required=False)
    target_per_day = StrictIntegerField(min_value=1, max_value=100, required=False, default=1)
    unit = StrictCharField(max_length=32, allow_blank=True, required=False, default="")
    baseline_per_day = StrictIntegerField(min_value=0, max_value=100000, required=False, default=0)
    cost_per_unit = StrictDecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, default="0")
    archived = StrictBooleanField(required=False, default=False)

    def validate_kind(self, value):
        habit = self.context.get("habit")
        if habit is not None and value != habit.kind:
            raise serializers.ValidationError("A habit's kind cannot change: create a new habit instead.")
        return value

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        data.update(data.pop("schedule", {}))
        if self.context.get("habit") is not None:
            data.pop("kind", None)
        return data


class HabitCheckInInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Today (default) or yesterday, in your local day.")


class HabitCheckInUndoQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The day of the check-in to undo (default today).")


class HabitRewardResultSerializer(serializers.Serializer):
    """The answer of a check-in or its undo: the habit and what the request granted (or took back)."""

    habit = HabitSerializer()
    rewards = RewardSummarySerializer()


class QuitLogInputSerializer(serializers.Serializer):
    count = StrictIntegerField(min_value=0, max_value=10000, help_text="Units; 0 reports a clean day.")
    occurred_at = serializers.DateTimeField(
        required=False, help_text="Default now; at most 48 hours ago, never in the future."
    )


class QuitLogSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    count = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    date = serializers.DateField(help_text="The local day it counts on.")


class QuitLogResultSerializer(serializers.Serializer):
    """The answer of a log: the log, the habit, and what the request granted (the log's day
    activity, and the pay of any day it settled)."""

    log = QuitLogSerializer()
    habit = HabitSerializer()
    rewards = RewardSummarySerializer()


class HabitHistoryDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The user's local day.")
    scheduled = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Check-ins (build) or units logged (quit).")
    done = serializers.BooleanField(help_text="Build: the target reached. Quit: a clean day (logged, total 0).")
    logged = serializers.BooleanField(required=False, help_text="Quit only: at least one log that day.")
    settled = serializers.BooleanField(required=False, help_text="Quit only: the day is settled and closed.")
