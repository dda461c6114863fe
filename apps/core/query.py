"""Query-parameter serializers shared by several endpoints."""
from datetime import date, timedelta

from drf_yasg import openapi
from rest_framework import serializers


class DateRangeQuerySerializer(serializers.Serializer):
    """`?from=&to=` (local dates, inclusive) -> {"start", "end"}. Defaults: the `default_days`
    local days ending `to` (default today, given as context["today"]); at most `max_days`."""

    default_days = 30
    max_days = 366

    to = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # `from` is a Python keyword
        return fields

    def validate(self, attrs):
        today: date = self.context["today"]
        end = attrs.get("to") or today
        start = attrs.get("from")
        if start is None:
            span = timedelta(days=self.default_days - 1)
            start = end - span if end - date.min >= span else date.min
        if start > end:
            raise serializers.ValidationError({"from": ["`from` must be on or before `to`."]})
        if (end - start).days + 1 > self.max_days:
            raise serializers.ValidationError({"to": [f"At most {self.max_days} days at once."]})
        return {"start": start, "end": end}


# The two parameters as Swagger shows them (`manual_parameters` of a view using the serializer).
DATE_RANGE_PARAMS = [
    openapi.Parameter("from", openapi.IN_QUERY, type=openapi.TYPE_STRING, format=openapi.FORMAT_DATE,
                      description=f"First local day (default: {DateRangeQuerySerializer.default_days - 1} days before `to`)."),
    openapi.Parameter("to", openapi.IN_QUERY, type=openapi.TYPE_STRING, format=openapi.FORMAT_DATE,
                      description=f"Last local day (default: today). At most {DateRangeQuerySerializer.max_days} days in all."),
]
