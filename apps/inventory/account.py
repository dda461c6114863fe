"""The inventory part of `me/export/` (holdings and the item ledger)."""
from .selectors import inventory_ledger_for_user


def export(user) -> dict:
    from .models import InventoryItem

    holdings = InventoryItem.objects.filter(user_id=user.pk).select_related("item").order_by("id")
    return {
        "holdings": [
            {
                "id": row.pk,
                "item_id": row.item_id,
                "item": row.item.name,
                "type": row.item.type,
                "quantity": row.quantity,
                "equipped": row.equipped,
                "locked_quantity": row.locked_quantity,
                "acquired_at": row.acquired_at.isoformat(),
            }
            for row in holdings
        ],
        "ledger": (
            {
                "item_id": entry.item_id,
                "item": entry.item.name,
                "amount": entry.amount,
                "quantity_after": entry.quantity_after,
                "reason": entry.reason,
                "ref": entry.ref,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in inventory_ledger_for_user(user=user).iterator(chunk_size=500)
        ),
    }


def on_delete(user) -> None:
    """Nothing to release: rows cascade with the user (trades return escrow first)."""
