from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, viewsets

from .selectors import active_boosts_for_user
from .serializers import BoostSerializer


class ActiveBoostViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's boosts that apply now (a short fixed list: not paginated)."""

    serializer_class = BoostSerializer
    pagination_class = None

    def get_queryset(self):
        return active_boosts_for_user(user_id=self.request.user.pk)

    @swagger_auto_schema(
        operation_summary="Boosts active now",
        operation_description="At most one per type. Expired boosts are gone by time alone.",
        responses={200: BoostSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
