from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from apps.core.idempotency import idempotent
from apps.core.pagination import FeedCursorPagination
from apps.core.schema import ErrorSerializer

from .selectors import roulette_state_for_user, segment_public, spin_history_for_user
from .serializers import RouletteSpinResultSerializer, RouletteSpinSerializer, RouletteStateSerializer
from .services import roulette_spin

_datetime = DateTimeField()


class RouletteViewSet(viewsets.GenericViewSet):
    """`roulette/`: the wheel with its published odds, and today's spin."""

    serializer_class = RouletteStateSerializer
    pagination_class = None
    filter_backends = []
    throttle_scope = None  # `spend` on spin (set by its @action)

    @swagger_auto_schema(
        operation_summary="The roulette and its odds",
        operation_description="Every active segment with its probability (weight ÷ total of active weights), "
        "whether today's spin (your local day) is still available, and when the next local day starts.",
        responses={200: RouletteStateSerializer},
    )
    def list(self, request):
        return Response(RouletteStateSerializer(roulette_state_for_user(user=request.user, request=request)).data)

    @swagger_auto_schema(
        operation_summary="Spin the roulette",
        operation_description="Once per local day: a second spin is 409 `already_spun`. Draws one segment with "
        "the published odds (a CSPRNG) and pays it (XP, coins, crystals or an item into the inventory). "
        "No active segment: 503 `roulette_unavailable`. Accepts `Idempotency-Key`.",
        request_body=no_body,
        responses={200: RouletteSpinResultSerializer, 409: ErrorSerializer, 422: ErrorSerializer, 503: ErrorSerializer},
    )
    @action(detail=False, methods=["post"], throttle_scope="spend")
    @idempotent
    def spin(self, request):
        result = roulette_spin(user=request.user)
        # RouletteSpinResultSerializer's shape, built as plain data (as tasks' complete does).
        return Response(
            {
                "segment": segment_public(result.segment, total=result.total_weight, request=request),
                "rewards": result.rewards.as_dict(),
                "next_spin_at": _datetime.to_representation(result.next_spin_at),
            }
        )


class RouletteHistoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`roulette/history/`: my spins, newest first (a cursor feed)."""

    serializer_class = RouletteSpinSerializer
    pagination_class = FeedCursorPagination
    filter_backends = []

    def get_queryset(self):
        return spin_history_for_user(user=self.request.user)

    @swagger_auto_schema(operation_summary="My roulette spins (cursor feed)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
