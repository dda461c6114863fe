"""The statement of the inventory table the ORM cannot say: the add-on-conflict upsert."""
from django.db import connection
from django.utils import timezone

from .models import InventoryItem


def inventory_quantity_add(*, user_id: int, item_id: int, quantity: int) -> InventoryItem:
    """Add `quantity` to the user's row of `item_id`, creating it; the row as it now is.
    The row stays locked until the transaction ends (an upsert locks what it writes)."""
    q = connection.ops.quote_name
    table = q(InventoryItem._meta.db_table)
    columns = [f.column for f in InventoryItem._meta.concrete_fields]
    sql = (
        f"INSERT INTO {table} ({q('user_id')}, {q('item_id')}, {q('quantity')}, {q('equipped')}, {q('slot')}, "
        f"{q('locked_quantity')}, {q('acquired_at')}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({q('user_id')}, {q('item_id')}) DO UPDATE SET {q('quantity')} = {table}.{q('quantity')} + EXCLUDED.{q('quantity')} "
        f"RETURNING {', '.join(q(c) for c in columns)}"
    )
    params = [user_id, item_id, quantity, False, "", 0, connection.ops.adapt_datetimefield_value(timezone.now())]
    return next(iter(InventoryItem.objects.raw(sql, params)))
