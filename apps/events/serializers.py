from rest_framework import serializers


class EventTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Pass as `events/stream/?ticket=`: once, within `expires_in` seconds.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid.")


class EventStreamQuerySerializer(serializers.Serializer):
    ticket = serializers.CharField(required=False, max_length=128)
    last_event_id = serializers.IntegerField(required=False, min_value=0)
