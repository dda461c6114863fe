from django_filters.rest_framework import DjangoFilterBackend
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from apps.core import fastsql
from apps.core.filtering import FilterOnlyWhenAskedMixin
from apps.core.idempotency import idempotent
from apps.core.response_cache import cached_per_user
from apps.core.schema import ErrorSerializer
from apps.shop.selectors import VERSION_KEY as SHOP_VERSION_KEY

from .filters import InventoryFilter
from .models import InventoryItem
from .selectors import inventory_list_for_user, inventory_row_public
from .serializers import InventoryItemSerializer, InventoryUseResultSerializer
from .services import inventory_equip, inventory_unequip


class _HeldNewestFirst:
    """`inventory_list_for_user` in its default order (`InventoryItem.Meta.ordering`) for the
    paginator: `count()` and slices (rows with their items) through prebuilt statements."""

    def __init__(self, *, user_id: int):
        self.user_id = user_id

    def count(self) -> int:
        return fastsql.count(InventoryItem, user_id=self.user_id, quantity__gt=0)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None or (index.start or 0) < 0 or index.stop is None:
            raise TypeError("only [start:stop] slices")
        return fastsql.fetch_all(
            InventoryItem,
            user_id=self.user_id,
            quantity__gt=0,
            order_by=tuple(InventoryItem._meta.ordering),
            slice_=(index.start or 0, index.stop),
            select_related=("item",),
        )


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
        responses={400: ErrorSerializer},  # 200: the paginated list of serializer_class
    )
    @cached_per_user(catalog_keys=(SHOP_VERSION_KEY,))
    def list(self, request):
        if self.filters_requested():
            rows = self.filter_queryset(self.get_queryset())
        else:
            rows = _HeldNewestFirst(user_id=request.user.pk)  # the same rows, without compiling the queries
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([inventory_row_public(row, request=request) for row in page])

    @swagger_auto_schema(
        operation_summary="Equip a cosmetic",
        operation_description="One equipped per slot (avatar, icon, background): the slot's previous item is unequipped.",
        request_body=no_body,
        responses={200: InventoryItemSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def equip(self, request, pk=None):
        row = inventory_equip(user=request.user, inventory_item_id=int(pk))
        return Response(inventory_row_public(row, request=request))

    @swagger_auto_schema(
        operation_summary="Unequip a cosmetic",
        request_body=no_body,
        responses={200: InventoryItemSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
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
        responses={200: InventoryUseResultSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def use(self, request, pk=None):
        from apps.boosts.services import boost_use  # the boosts app owns activation

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
