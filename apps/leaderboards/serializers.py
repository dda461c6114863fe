from rest_framework import serializers

from apps.stats.boards import PERIODS

from .selectors import GLOBAL, SCOPES


class LeaderboardQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=SCOPES, required=False, default=GLOBAL,
        help_text="`global`: every player; `friends`: you and your friends. Default `global`.",
    )
    period = serializers.ChoiceField(
        choices=PERIODS, required=False, default="week",
        help_text="XP earned in your current local week (from Monday), month, or all time. Default `week`.",
    )


class LeaderboardUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True, help_text="Empty when the player set none.")
    avatar = serializers.URLField()


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1)
    user = LeaderboardUserSerializer()
    xp = serializers.IntegerField(min_value=1, help_text="XP earned in the period.")


class LeaderboardMeSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        min_value=1, allow_null=True, help_text="Your place on the whole board; null while you earned no XP in the period."
    )
    xp = serializers.IntegerField(help_text="Your XP earned in the period.")


class LeaderboardPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, help_text="Players on the board (those who earned XP in the period).")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LeaderboardEntrySerializer(many=True)
    me = LeaderboardMeSerializer()
