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
