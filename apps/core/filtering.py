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
