from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.pagination import FeedCursorPagination
from apps.core.response_cache import cached_per_user

from .models import Notification
from .selectors import notifications_for_user
from .serializers import NotificationListQuerySerializer, NotificationReadInputSerializer, NotificationSerializer
from .services import notifications_mark_read


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`notifications/`: my notifications, newest first (a cursor feed)."""

    serializer_class = NotificationSerializer
    pagination_class = FeedCursorPagination
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        query = NotificationListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notifications_for_user(user_id=self.request.user.pk, unread=query.validated_data["unread"])

    # Every write to a user's notifications (created, read, pruned) replaces the user's
    # cache token, so a cached page never outlives a change.
    @swagger_auto_schema(operation_summary="My notifications (cursor feed)", query_serializer=NotificationListQuerySerializer)
    @cached_per_user()
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Mark notifications read",
        operation_description="`{ids: [...]}` (only mine count; others are ignored) or `{all: true}`.",
        request_body=NotificationReadInputSerializer,
        responses={204: "Marked"},
    )
    @action(detail=False, methods=["post"])
    def read(self, request):
        data = NotificationReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"), all=data.validated_data.get("all", False))
        return Response(status=status.HTTP_204_NO_CONTENT)
