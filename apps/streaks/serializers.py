from rest_framework import serializers


class StreakMilestoneSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    xp = serializers.IntegerField()
    coins = serializers.IntegerField()
    crystals = serializers.IntegerField()


class StreakSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="Today's streak: 0 once missed days outnumber held freezes.")
    longest = serializers.IntegerField()
    last_active_date = serializers.DateField(allow_null=True, help_text="The last active local day.")
    freezes = serializers.IntegerField(help_text="Streak freezes held (used automatically on a missed day).")
    next_milestone = StreakMilestoneSerializer(
        allow_null=True, help_text="The next milestone above `current` not yet rewarded (each pays once in a lifetime)."
    )
