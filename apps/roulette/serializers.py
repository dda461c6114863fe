from rest_framework import serializers

from apps.progression.serializers import RewardSummarySerializer

from .models import SegmentKind


class RouletteItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()
    rarity = serializers.CharField()
    image = serializers.URLField()


class RouletteSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=SegmentKind.choices)
    amount = serializers.IntegerField(help_text="XP, coins or crystals won; for an item, the quantity.")
    item = RouletteItemSerializer(allow_null=True, help_text="Only for item prizes.")
    probability = serializers.FloatField(help_text="weight ÷ total of the active weights (6 decimals).")


class RouletteStateSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="True when today's spin (local day) is still to be taken.")
    next_spin_at = serializers.DateTimeField(help_text="The start of your next local day.")
    segments = RouletteSegmentSerializer(many=True)


class RouletteSpinResultSerializer(serializers.Serializer):
    segment = RouletteSegmentSerializer()
    rewards = RewardSummarySerializer()
    next_spin_at = serializers.DateTimeField()


class RouletteSpinItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item_id")
    name = serializers.CharField(source="item_name")


class RouletteSpinSerializer(serializers.Serializer):
    """A past spin, as it was won (later changes to the wheel do not touch it)."""

    id = serializers.IntegerField()
    date = serializers.DateField(source="local_date", help_text="The local day of the spin.")
    segment = serializers.IntegerField(source="segment_id", allow_null=True, help_text="Null once the segment is deleted.")
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=SegmentKind.choices)
    amount = serializers.IntegerField()
    item = serializers.SerializerMethodField()
    probability = serializers.SerializerMethodField(help_text="The odds it had when it was drawn.")
    created_at = serializers.DateTimeField()

    def get_item(self, spin) -> dict | None:
        return RouletteSpinItemSerializer(spin).data if spin.item_id else None

    def get_probability(self, spin) -> float:
        return round(spin.weight / spin.total_weight, 6)
