"""The trades part of `me/export/`, and the cancellation that account deletion needs first."""
from django.db.models import Q

from .models import Trade, TradeItem
from .services import trades_cancel_for_user

TRADE_FIELDS = (
    "id", "requester_id", "recipient_id", "status", "offered_coins", "requested_coins", "escrow_coins",
    "message", "created_at", "expires_at", "resolved_at",
)
LINE_FIELDS = ("trade_id", "side", "inventory_item_id", "item_id", "item__name", "quantity")


def export(user) -> dict:
    """Every trade the user is a party of and their lines, oldest first, read in chunks."""
    mine = Q(requester_id=user.pk) | Q(recipient_id=user.pk)
    return {
        "trades": Trade.objects.filter(mine).order_by("created_at", "id").values(*TRADE_FIELDS).iterator(chunk_size=500),
        "lines": TradeItem.objects.filter(Q(trade__requester_id=user.pk) | Q(trade__recipient_id=user.pk))
        .order_by("trade_id", "id")
        .values(*LINE_FIELDS)
        .iterator(chunk_size=500),
    }


def on_delete(user) -> None:
    """Cancel the user's pending trades first, so every escrow goes back to its requester
    before the rows cascade with the user."""
    trades_cancel_for_user(user_id=user.pk)
