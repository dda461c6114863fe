"""Response shapes of the composed endpoints (for Swagger; the views render dicts)."""
from rest_framework import serializers

from apps.accounts.serializers import ProfileBoostSerializer, ProfileSerializer
from apps.achievements.serializers import AchievementSerializer
from apps.streaks.serializers import StreakSerializer


class DashboardTaskCountsSerializer(serializers.Serializer):
    due_today = serializers.IntegerField(help_text="Open tasks due on the user's local today.")
    overdue = serializers.IntegerField(help_text="Open tasks whose deadline has passed.")
    open = serializers.IntegerField(help_text="Every open task.")


class DashboardSerializer(serializers.Serializer):
    profile = ProfileSerializer()
    streak = StreakSerializer()
    active_boosts = ProfileBoostSerializer(many=True)
    next_achievements = AchievementSerializer(many=True, help_text="The 3 locked achievements closest to unlocking.")
    recent_achievements = AchievementSerializer(many=True, help_text="The 5 latest unlocks.")
    tasks = DashboardTaskCountsSerializer()
    habits_due_today = serializers.IntegerField()
    unread_notifications = serializers.IntegerField()
