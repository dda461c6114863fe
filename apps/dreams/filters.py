import django_filters

from .models import Dream


class DreamFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Dream.Status.choices)

    class Meta:
        model = Dream
        fields = ["status"]
