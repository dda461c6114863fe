from rest_framework import serializers

from .models import ActiveBoost


class BoostSerializer(serializers.ModelSerializer):
    """`{type, multiplier, expires_at}`: a boost as `boosts/active/` shows it (and `me/`, `inventory/{id}/use/`)."""

    multiplier = serializers.FloatField(read_only=True)

    class Meta:
        model = ActiveBoost
        fields = ["type", "multiplier", "expires_at"]
        read_only_fields = fields
