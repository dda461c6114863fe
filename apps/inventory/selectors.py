"""Reading inventories: querysets shaped for their callers, and the row's public shape."""
from django.db.models import QuerySet
from rest_framework.fields import DateTimeField

from apps.shop.selectors import item_public_from_model

from .models import InventoryItem, InventoryLedgerEntry


def inventory_list_for_user(*, user) -> QuerySet[InventoryItem]:
    """The user's held rows (quantity > 0) with their items: one query a page."""
    return InventoryItem.objects.filter(user_id=user.pk, quantity__gt=0).select_related("item")


# Rendered here, as the API renders it: the idempotency layer stores bodies with
# Django's JSON encoder (milliseconds), which would make a replay differ.
_datetime = DateTimeField()


def inventory_row_public(row: InventoryItem, *, request=None) -> dict:
    """`{id, item, quantity, equipped, locked_in_trade, acquired_at}` (row.item loaded)."""
    return {
        "id": row.pk,
        "item": item_public_from_model(row.item, owned_quantity=row.quantity, request=request),
        "quantity": row.quantity,
        "equipped": row.equipped,
        "locked_in_trade": row.locked_in_trade,
        "acquired_at": _datetime.to_representation(row.acquired_at),
    }


def inventory_ledger_for_user(*, user) -> QuerySet[InventoryLedgerEntry]:
    return InventoryLedgerEntry.objects.filter(user_id=user.pk).select_related("item").order_by("created_at", "id")
