import django_filters

from apps.core.filtering import QueryBooleanFilter
from apps.inventory.models import InventoryItem, ItemType


class InventoryFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(field_name="item__type", choices=ItemType.choices, help_text="The item's type.")
    equipped = QueryBooleanFilter(method="filter_equipped", help_text="Only (un)equipped rows.")

    class Meta:
        model = InventoryItem
        fields = ["type", "equipped"]

    def filter_equipped(self, queryset, name, value):
        return queryset.filter(equipped=value)
