from django.conf import settings
from django.db import models
from django.db.models import Q


class Streak(models.Model):
    """The daily activity streak on the user's local day. Changed under the wallet lock."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="streak")
    current = models.PositiveIntegerField(default=0)
    longest = models.PositiveIntegerField(default=0)
    last_active_date = models.DateField(null=True, blank=True)
    freezes_used = models.PositiveIntegerField(default=0)
    # Missed days up to this date were paid for with streak freezes.
    frozen_through = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(longest__gte=models.F("current")), name="streak_longest_ge_current")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.current} (longest {self.longest})"


class StreakMilestoneClaim(models.Model):
    """A milestone rewarded once in a user's lifetime: the unique constraint is the 'once'."""

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streak_milestones", db_index=False)
    days = models.PositiveIntegerField()
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "days"], name="streak_milestone_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.days} d"
