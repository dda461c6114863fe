from rest_framework import serializers

from .models import ActiveBoost


class ActiveBoostSerializer(serializers.ModelSerializer):
    """`{type, multiplier, expires_at}`: a boost as `boosts/active/`, `me/` and `inventory/{id}/use/` show it."""

    multiplier = serializers.FloatField(read_only=True)

    class Meta:
        model = ActiveBoost
        fields = ["type", "multiplier", "expires_at"]
        read_only_fields = fields


class BoostUseResultSerializer(serializers.Serializer):
    """The body of `POST inventory/{id}/use/` on a boost: `{boost: {type, multiplier, expires_at}}`."""

    boost = ActiveBoostSerializer()
