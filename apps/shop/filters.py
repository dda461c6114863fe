import django_filters

from apps.inventory.models import InventoryItem, ItemType


class InventoryFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(field_name="item__type", choices=ItemType.choices)
    equipped = django_filters.BooleanFilter()

    class Meta:
        model = InventoryItem
        fields = ["type", "equipped"]
