from datetime import UTC, datetime

from django.conf import settings
from django.db import models

# `xp_changed_at` of rows whose XP never changed (and of rows written before the
# column existed): earlier than any real change, so it never wins a tie-break.
XP_NEVER_CHANGED = datetime(2000, 1, 1, tzinfo=UTC)


class StatCounter(models.Model):
    """One counter of one user (`tasks_completed`, `xp_earned`, ...).

    Key/value rows: a new statistic needs no migration. Changed only by
    apps.stats.sql.counters_add (an upsert with `value + delta`).
    """

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stat_counters", db_index=False)
    key = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="stat_counter_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}={self.value}"


class DailyActivity(models.Model):
    """What a user did on one local day (for `stats/daily/`, the daily cap and streaks)."""

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity", db_index=False)
    date = models.DateField()
    tasks_completed = models.IntegerField(default=0)
    # Every completion made that day, reopened or not: the anti-farming cap counts these.
    task_completions = models.IntegerField(default=0)
    habit_check_ins = models.IntegerField(default=0)
    quit_logs = models.IntegerField(default=0)
    xp_earned = models.BigIntegerField(default=0)
    coins_earned = models.BigIntegerField(default=0)
    # When `xp_earned` last changed: a leaderboard breaks ties by who reached their
    # period total first (the latest change among the period's rows; apps/stats/boards.py).
    xp_changed_at = models.DateTimeField(default=XP_NEVER_CHANGED)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="daily_activity_user_date_unique")]
        # The global leaderboards add up every player's rows of a range of dates.
        indexes = [models.Index(fields=["date"], name="daily_activity_date_idx")]
        verbose_name_plural = "daily activity"

    def __str__(self) -> str:
        return f"{self.user_id} {self.date}"
