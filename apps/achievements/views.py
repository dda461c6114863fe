from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.response_cache import cached_per_user

from .selectors import achievement_list_for_user, achievement_recent_for_user
from .serializers import AchievementListQuerySerializer, AchievementSeenInputSerializer, AchievementSerializer
from .services import VERSION_KEY as ACHIEVEMENTS_VERSION_KEY
from .services import achievements_mark_seen

UNLOCKED = openapi.Parameter(
    "unlocked", openapi.IN_QUERY, type=openapi.TYPE_BOOLEAN, description="true: only unlocked; false: only locked."
)


# A change to a reward item's name replaces this version too (apps/shop/signals.py).
CATALOG_KEYS = (ACHIEVEMENTS_VERSION_KEY,)


class AchievementViewSet(viewsets.GenericViewSet):
    """The achievement catalog with my progress (short fixed lists: not paginated)."""

    serializer_class = AchievementSerializer
    pagination_class = None
    filter_backends = []

    @swagger_auto_schema(
        operation_summary="Achievements with my progress",
        operation_description="Hidden achievements show only `{code, hidden: true}` until unlocked.",
        manual_parameters=[UNLOCKED],
        responses={200: AchievementSerializer(many=True)},
    )
    @cached_per_user(catalog_keys=CATALOG_KEYS)
    def list(self, request):
        query = AchievementListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            achievement_list_for_user(user=request.user, request=request, unlocked=query.validated_data["unlocked"])
        )

    @swagger_auto_schema(
        operation_summary="My last 10 unlocked achievements, newest first",
        responses={200: AchievementSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    @cached_per_user(catalog_keys=CATALOG_KEYS)
    def recent(self, request):
        return Response(achievement_recent_for_user(user=request.user, request=request))

    @swagger_auto_schema(
        operation_summary="Mark unlocked achievements as seen",
        operation_description="Unknown codes and achievements not unlocked are ignored (204 all the same).",
        request_body=AchievementSeenInputSerializer,
        responses={204: "Marked"},
    )
    @action(detail=False, methods=["post"])
    def seen(self, request):
        data = AchievementSeenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        achievements_mark_seen(user=request.user, codes=data.validated_data["codes"])
        return Response(status=status.HTTP_204_NO_CONTENT)
