from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from apps.core.pagination import FeedCursorPagination

from .selectors import ledger_entries_for_user, level_table
from .serializers import LedgerEntrySerializer, LedgerQuerySerializer, LevelSerializer, LevelsQuerySerializer

UP_TO = openapi.Parameter(
    "up_to",
    openapi.IN_QUERY,
    type=openapi.TYPE_INTEGER,
    minimum=1,
    maximum=1000,
    default=50,
    description="Last level listed, 1-1000 (default 50).",
)
CURRENCY = openapi.Parameter(
    "currency", openapi.IN_QUERY, type=openapi.TYPE_STRING, enum=["xp", "coins", "crystals"], description="Only this currency."
)


class LevelViewSet(viewsets.GenericViewSet):
    """The level curve (a short fixed list: not paginated)."""

    serializer_class = LevelSerializer
    pagination_class = None
    filter_backends = []

    @swagger_auto_schema(
        operation_summary="The level curve",
        manual_parameters=[UP_TO],
        responses={200: LevelSerializer(many=True)},
    )
    def list(self, request):
        query = LevelsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(level_table(up_to=query.validated_data["up_to"]))


class LedgerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """My XP, coins and crystals movements, newest first. Each balance equals the sum of its entries."""

    serializer_class = LedgerEntrySerializer
    pagination_class = FeedCursorPagination
    filter_backends = []

    def get_queryset(self):
        query = LedgerQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return ledger_entries_for_user(user=self.request.user, currency=query.validated_data.get("currency"))

    @swagger_auto_schema(
        operation_summary="My ledger (cursor feed)",
        manual_parameters=[CURRENCY],
    )  # 200: the paginator's {next, previous, results} of LedgerEntry
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
