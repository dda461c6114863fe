"""Habits to build (check-ins on a schedule) and habits to quit (logged units, settled per local day).

State that the metrics read on every list is kept on the habit row, written only by the
services under the habit's row lock (taken after the user's wallet): the build streak
(`streak_*`, `total_check_ins`) and the quit tracker's settled days (`settled_through`,
`clean_streak`, `money_saved`, `last_unit_at`). History stays in its own rows.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class Difficulty(models.TextChoices):
    TRIVIAL = "trivial"
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Habit(models.Model):
    class Kind(models.TextChoices):
        BUILD = "build"
        QUIT = "quit"

    class ScheduleType(models.TextChoices):
        DAILY = "daily"
        WEEKDAYS = "weekdays"
        TIMES_PER_WEEK = "times_per_week"
        EVERY_N_DAYS = "every_n_days"

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="habits", db_index=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices, default=Difficulty.EASY)
    schedule_type = models.CharField(max_length=16, choices=ScheduleType.choices, default=ScheduleType.DAILY)
    # Weekdays (0 = Monday) for `weekdays`; `times` for `times_per_week`; `every` for `every_n_days`.
    schedule_days = models.JSONField(default=list, blank=True)
    schedule_times = models.PositiveSmallIntegerField(null=True, blank=True)
    schedule_every = models.PositiveSmallIntegerField(null=True, blank=True)
    # The local day the habit began: `every_n_days` counts from it; nothing before it is scheduled.
    start_date = models.DateField()
    target_per_day = models.PositiveSmallIntegerField(default=1)
    unit = models.CharField(max_length=32, blank=True)
    baseline_per_day = models.PositiveIntegerField(default=0)
    cost_per_unit = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    # Build: changed by check-in and undo only.
    total_check_ins = models.PositiveIntegerField(default=0)
    streak_current = models.PositiveIntegerField(default=0)  # the run ending at `streak_period`
    streak_longest = models.PositiveIntegerField(default=0)
    streak_period = models.DateField(null=True, blank=True)  # the last period met: a day, or a week's Monday

    # Quit: changed by logs and the settlement only.
    settled_through = models.DateField()  # every local day up to this one is settled (closed to logs)
    # When the day after `settled_through` ends (UTC, in the user's time zone at the last
    # settlement): run_daily_jobs looks only at habits past it. Null for build habits.
    next_settle_at = models.DateTimeField(null=True, blank=True)
    clean_streak = models.PositiveIntegerField(default=0)
    longest_clean_streak = models.PositiveIntegerField(default=0)
    # Wide enough for what the input allows: baseline (<= 100,000) x cost_per_unit (< 10^8)
    # saved each day (QuitDaySettlement.money_saved), for a century of days.
    money_saved = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    last_unit_at = models.DateTimeField(null=True, blank=True)  # the latest logged unit

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["user", "archived", "created_at"], name="habit_user_list_idx"),
            # run_daily_jobs: quit habits with a day over and not settled.
            models.Index(fields=["next_settle_at"], condition=Q(kind="quit"), name="habit_quit_settle_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(target_per_day__gte=1), name="habit_target_positive"),
            models.CheckConstraint(condition=Q(kind__in=["build", "quit"]), name="habit_kind_valid"),
            models.CheckConstraint(condition=Q(money_saved__gte=0), name="habit_money_saved_non_negative"),
            models.CheckConstraint(
                condition=Q(streak_longest__gte=models.F("streak_current")), name="habit_streak_longest_ge_current"
            ),
            models.CheckConstraint(
                condition=Q(longest_clean_streak__gte=models.F("clean_streak")), name="habit_clean_longest_ge_current"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class HabitCheckIn(models.Model):
    """One check-in of a build habit. `seq` counts the day's check-ins (1..target_per_day):
    the unique (habit, date, seq) makes each of them happen once."""

    habit = models.ForeignKey(Habit, on_delete=models.CASCADE, related_name="check_ins", db_index=False)
    date = models.DateField()  # the local day it counts for (today or yesterday when made)
    seq = models.PositiveSmallIntegerField()
    made_on = models.DateField()  # the local day it was made: an undo is allowed only then
    # Its own reward after boosts: what an undo takes back.
    reward_xp = models.PositiveIntegerField(default=0)
    reward_coins = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["habit", "date", "seq"], name="habit_check_in_once"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="habit_check_in_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.habit_id} {self.date} #{self.seq}"


class QuitLog(models.Model):
    """Units of a quit habit at a moment (`count` 0: "I report a clean day")."""

    habit = models.ForeignKey(Habit, on_delete=models.CASCADE, related_name="logs", db_index=False)
    date = models.DateField()  # the local day of `occurred_at`
    occurred_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["habit", "date"], name="quit_log_habit_date_idx")]

    def __str__(self) -> str:
        return f"{self.habit_id} {self.date}: {self.count}"


class QuitDaySettlement(models.Model):
    """A logged local day of a quit habit, settled: what it paid and what it did to the clean
    streak. The unique (habit, date) is the "exactly once", whoever settles (job or request).
    Days without a log earn nothing and get no row; `Habit.settled_through` closes them."""

    habit = models.ForeignKey(Habit, on_delete=models.CASCADE, related_name="settlements", db_index=False)
    date = models.DateField()
    units = models.PositiveIntegerField()
    clean = models.BooleanField()
    xp = models.PositiveIntegerField()
    coins = models.PositiveIntegerField()
    money_saved = models.DecimalField(max_digits=16, decimal_places=2)  # up to 10^5 x 10^8 a day
    clean_streak = models.PositiveIntegerField()  # the clean streak once this day was counted
    settled_at = models.DateTimeField()

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["habit", "date"], name="quit_day_settled_once")]

    def __str__(self) -> str:
        return f"{self.habit_id} {self.date}"
