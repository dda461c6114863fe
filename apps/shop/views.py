import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import patch_vary_headers
from django_filters.rest_framework import DjangoFilterBackend
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from apps.boosts.services import BoostAlreadyActive, ItemNotUsable, boost_use
from apps.core.errors import InsufficientFunds, NotFound
from apps.core.filtering import FilterOnlyWhenAskedMixin
from apps.core.idempotency import idempotent
from apps.core.response_cache import cached_per_user, etag_for, etag_matches
from apps.core.schema import error_responses
from apps.inventory.models import InventoryItem
from apps.inventory.selectors import inventory_list_for_user
from apps.inventory.services import NotEnoughItems

from .exceptions import AlreadyOwned, CurrencyNotAccepted, ItemLocked, LevelTooLow, LimitReached, NotEquippable
from .filters import InventoryFilter
from .models import Item
from .selectors import (
    VERSION_KEY,
    inventory_row_public,
    item_public,
    shop_item_get_for_user,
    shop_item_list_for_user,
)
from .serializers import (
    InventoryEquippedSerializer,
    InventoryItemSerializer,
    InventoryUseResultSerializer,
    ShopItemListQuerySerializer,
    ShopItemSerializer,
    ShopPurchaseInputSerializer,
    ShopPurchaseResultSerializer,
)
from .services import inventory_equip, inventory_unequip, item_purchase

NOT_MODIFIED = "Not modified: `If-None-Match` matched the current `ETag` (empty body)."


def conditional_response(request, data) -> Response:
    """200 with an `ETag` (a hash of the body), or 304 with an empty body when
    `If-None-Match` already names it. The body depends on the user (`owned`),
    so the response is private and varies with the Authorization header."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    etag = etag_for(body)
    if etag_matches(request.headers.get("If-None-Match"), etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization"])
    return response


class ShopItemViewSet(viewsets.GenericViewSet):
    """The catalog (cached; see apps.shop.selectors) and purchases."""

    queryset = Item.objects.filter(is_active=True)  # for the schema; reads go through the selectors
    serializer_class = ShopItemSerializer  # the schema's (paginated) list shape; bodies are built as dicts
    filter_backends = []
    lookup_value_regex = r"\d+"
    throttle_scope = None  # `spend` on purchase (set by its @action)

    @swagger_auto_schema(
        operation_summary="List the shop's items",
        operation_description="Only active items. Carries an `ETag`; send it back as `If-None-Match` to get 304.",
        query_serializer=ShopItemListQuerySerializer,
        responses={304: NOT_MODIFIED},  # 200: the paginated list of serializer_class
    )
    # The page depends on the catalog and on the user's holdings, level and balances,
    # all of which replace the user's version token when they change. ETag: a hash of the body.
    @cached_per_user(catalog_keys=(VERSION_KEY,), etag=True)
    def list(self, request):
        query = ShopItemListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        items, holdings = shop_item_list_for_user(user=request.user, **query.validated_data)
        page = self.paginate_queryset(items)
        results = [item_public(i, owned_quantity=holdings.get(i["id"], 0), request=request) for i in page]
        return self.get_paginated_response(results)

    @swagger_auto_schema(
        operation_summary="One shop item",
        operation_description="Inactive items are 404. Carries an `ETag`; `If-None-Match` -> 304.",
        responses={200: ShopItemSerializer, 304: NOT_MODIFIED},
    )
    def retrieve(self, request, pk=None):
        return conditional_response(request, shop_item_get_for_user(user=request.user, item_id=int(pk), request=request))

    @swagger_auto_schema(
        operation_summary="Buy an item",
        operation_description=(
            "Pays `price × quantity` in `currency`. Cosmetics: quantity 1, owned once. Boosts and streak "
            "freezes stack (quantity 1-10; at most 2 streak freezes held). Balances are unchanged on any error."
        ),
        request_body=ShopPurchaseInputSerializer,
        responses={
            201: ShopPurchaseResultSerializer,
            **error_responses(NotFound, CurrencyNotAccepted, LevelTooLow, AlreadyOwned, LimitReached, InsufficientFunds),
        },
    )
    @action(detail=True, methods=["post"], throttle_scope="spend")
    @idempotent
    def purchase(self, request, pk=None):
        data = ShopPurchaseInputSerializer.validated(request.data)
        result = item_purchase(user=request.user, item_id=int(pk), **data)
        body = {
            "inventory_item": inventory_row_public(result.inventory_item, request=request),
            "coins": result.coins,
            "crystals": result.crystals,
            "rewards": result.rewards.as_dict(),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class InventoryViewSet(FilterOnlyWhenAskedMixin, viewsets.GenericViewSet):
    """The user's items. Another user's row is a 404."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = InventoryFilter
    lookup_value_regex = r"\d+"
    serializer_class = InventoryItemSerializer  # the schema's (paginated) list shape; rows are built as dicts

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InventoryItem.objects.none()
        return inventory_list_for_user(user=self.request.user)

    @swagger_auto_schema(
        operation_summary="List my items",
        operation_description="Rows with quantity > 0, newest first.",
    )  # 200: the paginated list of serializer_class
    @cached_per_user(catalog_keys=(VERSION_KEY,))
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([inventory_row_public(row, request=request) for row in page])

    @swagger_auto_schema(
        operation_summary="Equip a cosmetic",
        operation_description="One equipped per slot (avatar, icon, background): the slot's previous item is unequipped.",
        request_body=no_body,
        responses={200: InventoryEquippedSerializer, **error_responses(NotFound, NotEquippable, ItemLocked)},
    )
    @action(detail=True, methods=["post"])
    def equip(self, request, pk=None):
        row, summary = inventory_equip(user=request.user, inventory_item_id=int(pk))
        body = inventory_row_public(row, request=request)
        if summary is not None:  # None: it was equipped already, nothing changed
            body["rewards"] = summary.as_dict()
        return Response(body)

    @swagger_auto_schema(
        operation_summary="Unequip a cosmetic",
        request_body=no_body,
        responses={200: InventoryItemSerializer, **error_responses(NotFound, NotEquippable)},
    )
    @action(detail=True, methods=["post"])
    def unequip(self, request, pk=None):
        row = inventory_unequip(user=request.user, inventory_item_id=int(pk))
        return Response(inventory_row_public(row, request=request))

    @swagger_auto_schema(
        operation_summary="Use a boost",
        operation_description="Quantity -1; the boost applies from now for its duration. "
        "409 `boost_already_active` when one of the same type is active.",
        request_body=no_body,
        responses={
            200: InventoryUseResultSerializer,
            **error_responses(NotFound, ItemNotUsable, NotEnoughItems, BoostAlreadyActive),
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def use(self, request, pk=None):
        boost = boost_use(user=request.user, inventory_item_id=int(pk))
        return Response(
            {
                "boost": {
                    "type": boost.type,
                    "multiplier": float(boost.multiplier),
                    # formatted here so that an idempotent replay is byte-identical
                    "expires_at": DateTimeField().to_representation(boost.expires_at),
                }
            }
        )
