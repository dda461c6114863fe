"""Serializers of the progression app.

`RewardSummarySerializer` is the contract's `rewards` object, carried by every
response that grants rewards (task complete/reopen, check-ins, spins, ...).
It serializes `RewardSummary.as_dict()`; keep both in the contract's exact shape.
"""
from rest_framework import serializers


class RewardMultipliersSerializer(serializers.Serializer):
    xp = serializers.FloatField(help_text="Active XP boost multiplier applied to the base reward (1.0 = none).")
    coins = serializers.FloatField(help_text="Active coins boost multiplier applied to the base reward (1.0 = none).")


class RewardLevelSerializer(serializers.Serializer):
    before = serializers.IntegerField()
    after = serializers.IntegerField()
    leveled_up = serializers.BooleanField()


class RewardStreakSerializer(serializers.Serializer):
    current = serializers.IntegerField()
    extended = serializers.BooleanField()
    milestone = serializers.IntegerField(allow_null=True, help_text="Days of the milestone paid by this request, or null.")


class RewardAchievementSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    reward_xp = serializers.IntegerField()
    reward_coins = serializers.IntegerField()
    reward_crystals = serializers.IntegerField()


class RewardItemSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class RewardSummarySerializer(serializers.Serializer):
    """Everything one request granted (negative amounts when it took value back)."""

    xp = serializers.IntegerField(help_text="Total XP of this request: own reward, bonuses, milestone, achievements.")
    coins = serializers.IntegerField(help_text="Total coins of this request, level-up rewards included.")
    crystals = serializers.IntegerField()
    multipliers = RewardMultipliersSerializer()
    level = RewardLevelSerializer()
    streak = RewardStreakSerializer()
    achievements = RewardAchievementSerializer(many=True, help_text="Achievements unlocked by this request.")
    items = RewardItemSerializer(many=True, help_text="Items granted by this request.")
    capped = serializers.BooleanField(help_text="True when the daily anti-farming cap zeroed the own reward.")


# -- levels/ and me/ledger/ ----------------------------------------------------------------------


class LevelsQuerySerializer(serializers.Serializer):
    up_to = serializers.IntegerField(min_value=1, max_value=1000, default=50, help_text="Last level listed (1-1000).")


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    total_xp = serializers.IntegerField(help_text="Total XP at which this level begins: 25 x (L-1) x (L+2).")


class LedgerQuerySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=["xp", "coins", "crystals"], required=False)


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    currency = serializers.ChoiceField(choices=["xp", "coins", "crystals"])
    amount = serializers.IntegerField(help_text="Signed: negative for spends, debits and reversals.")
    balance_after = serializers.IntegerField()
    reason = serializers.CharField()
    ref = serializers.CharField(
        allow_blank=True, help_text="What the entry refers to (e.g. `task:12`, `level:5`), may be empty."
    )
    created_at = serializers.DateTimeField()
