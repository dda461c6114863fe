from drf_yasg.utils import swagger_auto_schema
from rest_framework import viewsets
from rest_framework.response import Response

from .selectors import streak_for_user
from .serializers import StreakSerializer


class StreakViewSet(viewsets.GenericViewSet):
    serializer_class = StreakSerializer
    pagination_class = None
    filter_backends = []

    @swagger_auto_schema(operation_id="streak_read", operation_summary="My daily streak", responses={200: StreakSerializer})
    def list(self, request):
        return Response(StreakSerializer(streak_for_user(user=request.user)).data)
