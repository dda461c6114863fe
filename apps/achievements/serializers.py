from rest_framework import serializers

from apps.core.fields import QueryBooleanField, StrictCharField

MAX_SEEN_CODES = 500


class AchievementListQuerySerializer(serializers.Serializer):
    unlocked = QueryBooleanField()


class AchievementRewardItemSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class AchievementProgressSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="The user's value of the trigger statistic, capped at target.")
    target = serializers.IntegerField()


class AchievementSerializer(serializers.Serializer):
    """A hidden achievement not yet unlocked is only `{code, hidden: true}`."""

    code = serializers.CharField()
    hidden = serializers.BooleanField()
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    icon = serializers.URLField(allow_null=True, required=False, help_text="Absolute URL, or null.")
    trigger = serializers.CharField(required=False, help_text="The statistic that unlocks it (`level` = the user's level).")
    threshold = serializers.IntegerField(required=False)
    reward_xp = serializers.IntegerField(required=False)
    reward_coins = serializers.IntegerField(required=False)
    reward_crystals = serializers.IntegerField(required=False)
    reward_items = AchievementRewardItemSerializer(many=True, required=False)
    unlocked = serializers.BooleanField(required=False)
    unlocked_at = serializers.DateTimeField(allow_null=True, required=False)
    seen = serializers.BooleanField(required=False)
    progress = AchievementProgressSerializer(required=False)


class AchievementSeenInputSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=StrictCharField(max_length=64),
        allow_empty=True,
        max_length=MAX_SEEN_CODES,
        help_text="Codes of unlocked achievements to mark seen. Unknown or locked codes are ignored.",
    )
