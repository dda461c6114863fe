from drf_yasg.utils import swagger_auto_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.localday import local_date
from apps.core.query import DATE_RANGE_PARAMS, DateRangeQuerySerializer

from .selectors import daily_activity_range, stats_for_user
from .serializers import StatsDailySerializer, StatsSerializer


class StatsViewSet(viewsets.GenericViewSet):
    """My statistics: lifetime counters and activity per local day (short lists: not paginated)."""

    serializer_class = StatsSerializer
    pagination_class = None
    filter_backends = []

    @swagger_auto_schema(operation_id="stats_read", operation_summary="My counters", responses={200: StatsSerializer})
    def list(self, request):
        return Response(stats_for_user(user=request.user))

    @swagger_auto_schema(
        operation_summary="My activity per local day",
        manual_parameters=DATE_RANGE_PARAMS,
        responses={200: StatsDailySerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def daily(self, request):
        query = DateRangeQuerySerializer(data=request.query_params, context={"today": local_date(request.user)})
        query.is_valid(raise_exception=True)
        rows = daily_activity_range(user=request.user, **query.validated_data)
        return Response(StatsDailySerializer(rows, many=True).data)
