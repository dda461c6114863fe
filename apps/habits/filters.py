"""Query filters of `GET habits/` (django-filter).

- `kind`: build | quit.
- `archived`: true | false. Without it the list leaves archived habits out (the view's
  queryset); `archived=true` lists only them.
- `search`: title or description contains the text (case-insensitive).
Order: oldest first (the order they were created in).
"""
import django_filters
from django.db.models import Q

from apps.core.filtering import QueryBooleanFilter

from .models import Habit


class HabitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Habit.Kind.choices)
    archived = QueryBooleanFilter(method="filter_archived", help_text="true: only archived habits.")
    search = django_filters.CharFilter(method="filter_search", max_length=200, help_text="In title or description.")

    class Meta:
        model = Habit
        fields = ["kind", "archived", "search"]

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived=value)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
