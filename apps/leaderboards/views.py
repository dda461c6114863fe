from drf_yasg.utils import swagger_auto_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.core.pagination import StandardPagination

from .selectors import leaderboard_page
from .serializers import LeaderboardEntrySerializer, LeaderboardPageSerializer, LeaderboardQuerySerializer

# A page number past any board (a huge `?page=`) is answered without asking for it.
MAX_OFFSET = 2**53


class LeaderboardViewSet(viewsets.GenericViewSet):
    """`leaderboard/`: XP earned per period, ranked; the page asked for plus your own place."""

    serializer_class = LeaderboardEntrySerializer
    pagination_class = StandardPagination
    filter_backends = []

    @swagger_auto_schema(
        operation_summary="Leaderboard",
        operation_description="Players ranked by the XP they earned in the period: your current local week "
        "(Monday to Sunday) or month, or all time. Each player's XP counts on their own local dates. "
        "Equal XP: whoever reached it first ranks higher. Only players who earned XP in the period are "
        "listed; `me` is your own place on the whole board, wherever it is. A global board's page may be "
        "a few seconds old (every caller shares it); `me` is always current.",
        query_serializer=LeaderboardQuerySerializer,
        responses={200: LeaderboardPageSerializer},
    )
    def list(self, request):
        # An empty value means "not given", as everywhere in the API.
        query = LeaderboardQuerySerializer(data={k: v for k, v in request.query_params.items() if v != ""})
        query.is_valid(raise_exception=True)
        paginator = self.paginator
        size = paginator.get_page_size(request)
        number = paginator.get_page_number(request, None)
        offset = min((number - 1) * size, MAX_OFFSET)
        page = leaderboard_page(user=request.user, offset=offset, limit=size, request=request, **query.validated_data)
        if number > 1 and offset >= page["count"]:
            raise NotFound("Invalid page.")
        url = request.build_absolute_uri()
        return Response(
            {
                "count": page["count"],
                "next": replace_query_param(url, "page", number + 1) if offset + size < page["count"] else None,
                "previous": None if number == 1
                else remove_query_param(url, "page") if number == 2
                else replace_query_param(url, "page", number - 1),
                "results": page["results"],
                "me": page["me"],
            }
        )
