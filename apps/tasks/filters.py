"""Query filters of `GET tasks/` (django-filter).

- `status`, `difficulty`, `dream` (id): exact.
- `overdue=true`: open tasks whose deadline is before the user's local today
  (`overdue=false`: every task that is not overdue).
- `due_before` / `due_after`: deadline on or before / on or after the date (inclusive);
  tasks without a deadline never match.
- `search`: title or description contains the text (case-insensitive).
- `ordering`: deadline | -deadline | created_at | -created_at | difficulty | -difficulty
  (difficulty by rank: trivial < easy < medium < hard; tasks without a deadline
  come last in both directions). Several may be comma-separated. An unknown
  value is a 400 `validation_error`, like every other invalid filter value.
Default order: newest first.
"""
import django_filters
from django import forms
from django.db.models import F, Q

from apps.core.filtering import QueryBooleanFilter
from apps.core.localday import local_date

from .models import Difficulty, Task

ORDERING_FIELDS = {"deadline": "deadline", "created_at": "created_at", "difficulty": "difficulty_rank"}


class TaskOrderingFilter(django_filters.OrderingFilter):
    def filter(self, qs, value):
        if not value:
            return qs
        keys = []
        for param in value:
            descending = param.startswith("-")
            column = F(ORDERING_FIELDS[param.lstrip("-")])
            keys.append(column.desc(nulls_last=True) if descending else column.asc(nulls_last=True))
        return qs.order_by(*keys, "-id")  # a stable order for pagination


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # NumberFilter takes decimals: `dream=0.5` matched nothing, silently


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Task.Status.choices, help_text="open or completed.")
    difficulty = django_filters.ChoiceFilter(choices=Difficulty.choices, help_text="The task's difficulty.")
    # Bounded like an id: a larger number is a 400, not a query SQLite cannot bind.
    dream = IntegerFilter(field_name="dream_id", min_value=1, max_value=2**63 - 1, help_text="A dream's id: its steps.")
    overdue = QueryBooleanFilter(method="filter_overdue", help_text="true: open tasks past their deadline.")
    due_before = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", help_text="Deadline on or before.")
    due_after = django_filters.DateFilter(field_name="deadline", lookup_expr="gte", help_text="Deadline on or after.")
    search = django_filters.CharFilter(method="filter_search", max_length=200, help_text="In title or description.")
    ordering = TaskOrderingFilter(fields=tuple((name, name) for name in ORDERING_FIELDS))

    class Meta:
        model = Task
        fields = ["status", "difficulty", "dream", "overdue", "due_before", "due_after", "search"]

    def filter_overdue(self, queryset, name, value):
        today = local_date(self.request.user)
        overdue = Q(status=Task.Status.OPEN, deadline__lt=today)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
