from rest_framework import serializers

from apps.accounts.serializers import PublicProfileSerializer
from apps.core.fields import StrictCharField, StrictIntegerField
from apps.progression.serializers import RewardSummarySerializer

from .models import FriendRequest

MAX_ID = 2**63 - 1


class FriendRequestCreateInputSerializer(serializers.Serializer):
    username = StrictCharField(required=False, max_length=150, help_text="The player's username (any case).")
    user_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Or the player's id.")

    def validate(self, attrs):
        if ("username" in attrs) == ("user_id" in attrs):
            raise serializers.ValidationError("Give exactly one of username and user_id.")
        return attrs


class FriendRequestListQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"], required=False, default="incoming")


class FriendRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_user = PublicProfileSerializer()
    to_user = PublicProfileSerializer()
    status = serializers.ChoiceField(choices=FriendRequest.Status.choices)
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class FriendRequestCreatedSerializer(FriendRequestSerializer):
    rewards = RewardSummarySerializer(
        required=False, help_text="What becoming friends granted you (achievements), when the requests crossed; "
        "absent while the request is pending."
    )


class FriendRequestAcceptedSerializer(FriendRequestSerializer):
    rewards = RewardSummarySerializer(help_text="What becoming friends granted you (achievements).")


class FriendSerializer(serializers.Serializer):
    user = PublicProfileSerializer(help_text="The friend's public profile.")
    since = serializers.DateTimeField(help_text="When you became friends.")


class BlockedUserSerializer(serializers.Serializer):
    user = PublicProfileSerializer(help_text="The blocked player's public profile.")
    blocked_at = serializers.DateTimeField()
