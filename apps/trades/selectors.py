"""Reading trades: querysets shaped for the views (a constant number of queries a page)."""
from django.db.models import Prefetch, Q, QuerySet
from rest_framework.fields import DateTimeField

from apps.core.errors import NotFound
from apps.shop.images import item_image_url

from .models import Trade, TradeItem

_datetime = DateTimeField()


def trade_list_for_user(*, user, role: str | None = None, status: str | None = None) -> QuerySet[Trade]:
    """The trades `user` is a party of (`role`: `sent` = as requester, `received` = as
    recipient), newest first, with both parties and every line's item loaded."""
    if role == "sent":
        trades = Trade.objects.filter(requester_id=user.pk)
    elif role == "received":
        trades = Trade.objects.filter(recipient_id=user.pk)
    else:
        trades = Trade.objects.filter(Q(requester_id=user.pk) | Q(recipient_id=user.pk))
    if status:
        trades = trades.filter(status=status)
    return (
        trades.select_related("requester", "recipient")
        .prefetch_related(Prefetch("lines", queryset=TradeItem.objects.select_related("item").order_by("id")))
        .order_by("-created_at", "-id")
    )


def trade_get_for_user(*, user, trade_id: int) -> Trade:
    """One trade of which `user` is a party; anyone else's is a 404."""
    trade = trade_list_for_user(user=user).filter(pk=trade_id).first()
    if trade is None:
        raise NotFound()
    return trade


def trade_public(trade: Trade, *, request=None) -> dict:
    """The contract's trade shape (lines and parties loaded, as `trade_list_for_user` does)."""
    sides = {TradeItem.Side.OFFERED: [], TradeItem.Side.REQUESTED: []}
    for line in trade.lines.all():
        sides[line.side].append(
            {
                "inventory_id": line.inventory_item_id,
                "item": {
                    "id": line.item.pk,
                    "name": line.item.name,
                    "type": line.item.type,
                    "image": item_image_url(line.item, request),
                },
                "quantity": line.quantity,
            }
        )
    return {
        "id": trade.pk,
        "requester": {"id": trade.requester.pk, "username": trade.requester.username},
        "recipient": {"id": trade.recipient.pk, "username": trade.recipient.username},
        "status": trade.status,
        "offered": {"coins": trade.offered_coins, "items": sides[TradeItem.Side.OFFERED]},
        "requested": {"coins": trade.requested_coins, "items": sides[TradeItem.Side.REQUESTED]},
        "message": trade.message,
        "created_at": _datetime.to_representation(trade.created_at),
        "expires_at": _datetime.to_representation(trade.expires_at),
        "resolved_at": _datetime.to_representation(trade.resolved_at) if trade.resolved_at else None,
    }
