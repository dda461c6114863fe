import functools

from django.utils.decorators import method_decorator
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import BadRequest, InsufficientFunds, NotFound
from apps.core.idempotency import idempotent
from apps.core.schema import error_responses
from apps.inventory.services import NotEnoughItems
from apps.shop.exceptions import AlreadyOwned, ItemLocked, LimitReached

from .exceptions import (
    CrystalsNotTradable,
    ItemEquipped,
    ItemNotOwned,
    NotFriends,
    NotTradeRecipient,
    TradeEmpty,
    TradeNotPending,
    TradeWithSelf,
)
from .models import Trade
from .selectors import trade_get_for_user, trade_list_for_user, trade_public
from .serializers import TradeAcceptedSerializer, TradeCreateInputSerializer, TradeListQuerySerializer, TradeSerializer
from .services import LineInput, trade_accept, trade_cancel, trade_create, trade_reject, trades_expire_due


def expires_due_first(view_method):
    """Expire the trade first when it is due, in its own committed transaction: the
    command then answers 409 `trade_not_pending`, and that refusal (rolled back, with
    an idempotent request's effects) cannot undo the expiry and its returned escrow."""

    @functools.wraps(view_method)
    def wrapper(self, request, pk=None, *args, **kwargs):
        trades_expire_due(user_id=request.user.pk, trade_id=int(pk))
        return view_method(self, request, pk, *args, **kwargs)

    return wrapper


PARTY_ERRORS = (NotFound, NotTradeRecipient, TradeNotPending)


@method_decorator(
    name="list",
    decorator=swagger_auto_schema(
        operation_summary="My trades",
        operation_description="Trades I made (`role=sent`) or received (`role=received`), newest first; "
        "filter by `status`. Pending trades past their expiry are expired (escrow returned) before the list is read.",
        query_serializer=TradeListQuerySerializer,
    ),  # 200: the paginated list of serializer_class
)
@method_decorator(
    name="retrieve",
    decorator=swagger_auto_schema(
        operation_summary="One of my trades",
        operation_description="Only its two parties see it; anyone else gets 404.",
        responses={200: TradeSerializer, **error_responses(NotFound)},
    ),
)
class TradeViewSet(viewsets.GenericViewSet):
    """`trades/`: offers of coins and items between friends, with escrow (apps/trades/services.py)."""

    serializer_class = TradeSerializer  # the schema's (paginated) list shape; bodies are built as dicts
    lookup_value_regex = r"\d+"
    queryset = Trade.objects.none()  # for the schema; reads go through the selectors
    throttle_scope = None  # `spend` on create and accept

    def initial(self, request, *args, **kwargs):
        if self.action in ("create", "accept"):
            self.throttle_scope = "spend"
        super().initial(request, *args, **kwargs)

    def list(self, request):
        query = TradeListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        trades_expire_due(user_id=request.user.pk)
        filters = {key: value for key, value in query.validated_data.items() if value}
        page = self.paginate_queryset(trade_list_for_user(user=request.user, **filters))
        return self.get_paginated_response([trade_public(trade, request=request) for trade in page])

    def retrieve(self, request, pk=None):
        trades_expire_due(user_id=request.user.pk, trade_id=int(pk))
        return Response(trade_public(trade_get_for_user(user=request.user, trade_id=int(pk)), request=request))

    def _respond(self, request, trade, code=status.HTTP_200_OK, rewards=None) -> Response:
        body = trade_public(trade_get_for_user(user=request.user, trade_id=trade.pk), request=request)
        if rewards is not None:
            body["rewards"] = rewards.as_dict()
        return Response(body, status=code)

    @swagger_auto_schema(
        operation_summary="Propose a trade",
        operation_description="To a friend: what is offered moves into escrow at once (the coins leave your "
        "wallet, the items become `locked_in_trade`), so it cannot be spent, equipped, used or offered twice. "
        "Both sides must hold something (coins or items); crystals never trade; equipped items cannot be "
        "offered. Requested items must be the recipient's; they are checked again on accept. "
        "A non-friend, a blocked player or an unknown id: 409 `not_friends`. A pending trade expires after "
        "72 h, its escrow returned. Accepts `Idempotency-Key`.",
        request_body=TradeCreateInputSerializer,
        responses={
            201: TradeSerializer,
            **error_responses(
                BadRequest,
                TradeWithSelf,
                TradeEmpty,
                CrystalsNotTradable,
                NotFriends,
                ItemNotOwned,
                ItemEquipped,
                NotEnoughItems,
                ItemLocked,
                AlreadyOwned,
                LimitReached,
                InsufficientFunds,
            ),
        },
    )
    @idempotent
    def create(self, request):
        data = TradeCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        trade = trade_create(
            user=request.user,
            recipient_id=body["recipient_id"],
            offered_coins=body["offered"]["coins"],
            offered_items=[LineInput(**line) for line in body["offered"]["items"]],
            requested_coins=body["requested"]["coins"],
            requested_items=[LineInput(**line) for line in body["requested"]["items"]],
            message=body["message"],
        )
        return self._respond(request, trade, status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Accept a trade (its recipient)",
        operation_description="The requested side is checked again (yours, not equipped, not in escrow, coins "
        "enough) and both sides change hands in one transaction. A cosmetic its receiver already owns: 409 "
        "`already_owned`. The requester: 403; not pending (or expired): 409 `trade_not_pending`. "
        "Accepts `Idempotency-Key`.",
        request_body=no_body,
        responses={
            200: TradeAcceptedSerializer,
            **error_responses(
                *PARTY_ERRORS,
                NotFriends,
                ItemNotOwned,
                ItemEquipped,
                NotEnoughItems,
                ItemLocked,
                AlreadyOwned,
                LimitReached,
                InsufficientFunds,
            ),
        },
    )
    @action(detail=True, methods=["post"])
    @expires_due_first
    @idempotent
    def accept(self, request, pk=None):
        trade, summary = trade_accept(user=request.user, trade_id=int(pk))
        return self._respond(request, trade, rewards=summary)

    @swagger_auto_schema(
        operation_summary="Reject a trade (its recipient)",
        operation_description="The escrow goes back to the requester. Not pending: 409 `trade_not_pending`. "
        "Accepts `Idempotency-Key` (a retry gets the first answer back).",
        request_body=no_body,
        responses={200: TradeSerializer, **error_responses(*PARTY_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    @expires_due_first
    @idempotent
    def reject(self, request, pk=None):
        return self._respond(request, trade_reject(user=request.user, trade_id=int(pk)))

    @swagger_auto_schema(
        operation_summary="Cancel a trade (its requester)",
        operation_description="The escrow comes back to you. Not pending: 409 `trade_not_pending`. "
        "Accepts `Idempotency-Key` (a retry gets the first answer back).",
        request_body=no_body,
        responses={200: TradeSerializer, **error_responses(*PARTY_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    @expires_due_first
    @idempotent
    def cancel(self, request, pk=None):
        return self._respond(request, trade_cancel(user=request.user, trade_id=int(pk)))
