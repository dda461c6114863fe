"""Serializer fields shared by every app.

Input bodies are JSON, and /swagger.json tells clients each field's JSON type;
the fields below hold clients to it. DRF's own fields are lenient on purpose
(`CharField` turns 12 into "12", `IntegerField` takes "12"), so a client bug
such as a number sent as a title is stored instead of refused, and the schema
fuzzer (`make fuzz`) reports every such field as "schema-violating request
accepted". Use the strict ones in input serializers; query parameters always
arrive as strings and keep DRF's fields (booleans: `QueryBooleanField`).
"""
import contextlib

from rest_framework import serializers


class JSONStringMixin:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharField(JSONStringMixin, serializers.CharField):
    default_error_messages = {"not_a_string": "A JSON string is required."}


class StrictEmailField(JSONStringMixin, serializers.EmailField):
    default_error_messages = {"not_a_string": "A JSON string is required."}


class StrictRegexField(JSONStringMixin, serializers.RegexField):
    default_error_messages = {"not_a_string": "A JSON string is required."}


class StrictDecimalField(JSONStringMixin, serializers.DecimalField):
    """A decimal as the schema shows it: a JSON string ("4.50"), not a number."""

    default_error_messages = {"not_a_string": "A decimal as a JSON string is required (\"4.50\")."}


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings ("5"), floats (5.0) or booleans."""

    default_error_messages = {"invalid": "A JSON integer is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def query_boolean(value: str) -> bool | None:
    """The one rule for boolean query parameters: `true`/`false` (any case) or `1`/`0`;
    empty is None (not given); anything else raises ValueError. DRF's BooleanField also
    takes `yes`, `on`, `t`, `null`... and django-filter's silently ignores what it cannot
    parse, so a typo became a filter value (or none); here it is a 400."""
    value = value.lower()
    if value == "":
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(value)


class QueryBooleanField(serializers.BooleanField):
    """A boolean query parameter of a serializer (`query_boolean`); absent or empty is None."""

    default_error_messages = {"invalid": "Must be true or false."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)  # absent from a QueryDict -> None, not False
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # `?owned=` from a plain dict reaches here as "" (a QueryDict never passes it on).
        if isinstance(data, str):
            with contextlib.suppress(ValueError):
                return query_boolean(data)
        self.fail("invalid")


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only: no strings ("true"), numbers (1) or null."""

    default_error_messages = {"invalid": "A JSON boolean is required."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
