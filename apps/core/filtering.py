import django_filters
from django import forms

from .fields import QueryBooleanField, query_boolean


class _QueryBooleanFormField(forms.Field):
    default_error_messages = QueryBooleanField.default_error_messages  # one wording for both

    def to_python(self, value):
        try:
            return query_boolean(value or "")
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class QueryBooleanFilter(django_filters.BooleanFilter):
    """A boolean filter parsed by the API's one rule (`query_boolean`: true/false in any case,
    1/0, else 400); django-filter's own BooleanFilter silently ignores what it cannot parse."""

    field_class = _QueryBooleanFormField


class FilterOnlyWhenAskedMixin:
    """For a view with a django-filter `filterset_class`: without any of its
    parameters in the query string the filterset would return the queryset as it
    is, and building it (deep copies of every filter, a form) is the costly part
    of a hot list request, so it is skipped."""

    def filters_requested(self) -> bool:
        params = self.request.query_params
        return any(name in params for name in self.filterset_class.base_filters)

    def filter_queryset(self, queryset):
        if not self.filters_requested():
            return queryset
        return super().filter_queryset(queryset)
