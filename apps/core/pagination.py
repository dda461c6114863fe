"""The contract's two pagination styles, strict about their query parameters.

DRF answers a page that is not a positive integer (`?page=0`, `-1`, `1.5`, `x`)
with 404 "Invalid page." and silently ignores a bad `page_size`; a garbage
cursor is a 404 and a well-encoded one with a bad position a 400. Here every
malformed value is a 400 `validation_error` naming the parameter. A page past
the last one stays a 404 `not_found`. An empty value means "not given".
"""
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

_POSITIVE_INT = re.compile(r"[1-9][0-9]*")
NOT_A_POSITIVE_INTEGER = "A positive integer is required."
# Larger numbers are read as this (a page past any last page, a size past the cap):
# Python refuses to convert strings of more than a few thousand digits.
HUGE = 10**18


def positive_int_param(request, name: str) -> int | None:
    """The query parameter `name` as a positive integer, None when absent or empty; else a 400."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not _POSITIVE_INT.fullmatch(raw):
        raise ValidationError({name: [NOT_A_POSITIVE_INTEGER]})
    return int(raw) if len(raw) <= 18 else HUGE


class StrictPageSizeMixin:
    def get_page_size(self, request):
        requested = positive_int_param(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Results per page: default {self.page_size}, at most {self.max_page_size} (larger sizes are capped)."
                )
            elif parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Page number, from 1. A page past the last: 404."
            elif parameter["name"] == getattr(self, "cursor_query_param", None):
                parameter["description"] = "Opaque: take it from a `next` or `previous` link. Malformed: 400."
        return parameters


class StandardPagination(StrictPageSizeMixin, PageNumberPagination):
    """`?page=&page_size=` (default 20, at most 100: larger sizes are capped) -> {count, next, previous, results}."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # `?page=last` is not part of the contract

    def get_page_number(self, request, paginator):
        return positive_int_param(request, self.page_query_param) or 1


class FeedCursorPagination(StrictPageSizeMixin, CursorPagination):
    """Feeds that only grow (ledger, notifications, spins): {next, previous, results}, newest
    first. By id alone: a cursor's position must be unique, or DRF's `previous` link misses
    rows where many share a value (one reward writes several ledger rows at one time)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)
    invalid_cursor = {"cursor": ["Invalid cursor."]}

    def paginate_queryset(self, queryset, request, view=None):
        self._position_field = queryset.model._meta.get_field(self.ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:  # DRF's answer to a cursor it cannot decode
            raise ValidationError(self.invalid_cursor) from None
        if cursor is not None and cursor.position is not None:
            try:
                self._position_field.to_python(cursor.position)
            except DjangoValidationError:
                raise ValidationError(self.invalid_cursor) from None
        return cursor
