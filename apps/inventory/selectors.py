"""Reading inventories: querysets shaped for their callers (the row's public shape is the shop's)."""
from django.db.models import QuerySet

from .models import InventoryItem, InventoryLedgerEntry


def inventory_list_for_user(*, user) -> QuerySet[InventoryItem]:
    """The user's held rows (quantity > 0) with their items: one query a page."""
    return InventoryItem.objects.filter(user_id=user.pk, quantity__gt=0).select_related("item")


def inventory_ledger_for_user(*, user) -> QuerySet[InventoryLedgerEntry]:
    return InventoryLedgerEntry.objects.filter(user_id=user.pk).select_related("item").order_by("created_at", "id")
