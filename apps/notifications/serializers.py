from rest_framework import serializers

from apps.core.fields import QueryBooleanField, StrictBooleanField, StrictIntegerField

from .models import Notification

MAX_READ_IDS = 1000


class NotificationSerializer(serializers.ModelSerializer):
    payload = serializers.JSONField(
        help_text="A small object, by kind: friend_request {request_id, from_user {id, username}}, friend_accepted "
        "{user {id, username}}, achievement_unlocked {code, title}, level_up {level}, streak_milestone {days}."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "payload", "created_at", "read_at"]


class NotificationListQuerySerializer(serializers.Serializer):
    unread = QueryBooleanField(help_text="true: only unread; false: only read; absent: all.")


class NotificationReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=MAX_READ_IDS,
        help_text="Ids of my notifications to mark read (others' ids are ignored).",
    )
    all = StrictBooleanField(required=False, help_text="true: mark every notification of mine read.")

    def validate(self, attrs):
        if "ids" not in attrs and attrs.get("all") is not True:
            raise serializers.ValidationError("Give `ids` or `all: true`.")
        return attrs
