from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.core.schema import error_responses

from .authentication import TicketAuthentication
from .exceptions import EventsUnavailable
from .renderers import EventStreamRenderer
from .serializers import EventStreamQuerySerializer, EventTicketSerializer
from .services import ticket_create
from .streams import event_stream, polling_event_stream, stream_db_work

STREAM_PARAMS = [
    openapi.Parameter(
        "ticket", openapi.IN_QUERY, type=openapi.TYPE_STRING, required=False,
        description="A ticket from `POST events/ticket/`, instead of the Authorization header (EventSource).",
    ),
    openapi.Parameter(
        "last_event_id", openapi.IN_QUERY, type=openapi.TYPE_INTEGER, minimum=0, required=False,
        description="As the `Last-Event-ID` header (which wins): replay the notifications after this id first.",
    ),
    openapi.Parameter(
        "Last-Event-ID", openapi.IN_HEADER, type=openapi.TYPE_INTEGER, minimum=0, required=False,
        description="Sent by EventSource on reconnect: replay the notifications after this id first.",
    ),
]


class EventsViewSet(viewsets.GenericViewSet):
    """`events/`: new notifications live, as Server-Sent Events."""

    pagination_class = None
    filter_backends = []
    serializer_class = EventTicketSerializer

    @swagger_auto_schema(
        operation_summary="A one-use ticket for the event stream",
        operation_description="For clients that cannot send an Authorization header (a browser's EventSource): "
        "open `events/stream/?ticket=<ticket>` once, within `expires_in` seconds (60).",
        request_body=no_body,
        responses={
            201: EventTicketSerializer,
            **error_responses(
                (400, "parse_error"), (413, "request_too_large"), (415, "unsupported_media_type"), EventsUnavailable
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def ticket(self, request):
        request.data  # noqa: B018 - it takes no body, but a malformed one is refused as on every POST
        ticket = ticket_create(user_id=request.user.pk)
        return Response({"ticket": ticket, "expires_in": int(settings.EVENTS_TICKET_TTL_SECONDS)}, status=201)

    @swagger_auto_schema(
        operation_summary="My notifications, live (Server-Sent Events)",
        operation_description="`text/event-stream`: each notification as it is created, as `id: <id>`, "
        "`event: <kind>` and `data: <the notification's JSON {id, kind, payload, created_at, read_at}>`; "
        "a `: keep-alive` comment line every 15 s. Authenticate with the Bearer header or `?ticket=`. "
        "`Last-Event-ID` replays what came after that id first (at most the 100 newest). "
        "In production this route is served by the ASGI service (uvicorn), see the README.",
        manual_parameters=STREAM_PARAMS,
        security=[{"Bearer": []}, {}],  # the Bearer header, or none with `?ticket=`
        responses={
            200: openapi.Response("An endless `text/event-stream`.", schema=openapi.Schema(type=openapi.TYPE_STRING)),
            **error_responses(EventsUnavailable),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        authentication_classes=[TicketAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES],
        renderer_classes=[JSONRenderer, EventStreamRenderer],
    )
    def stream(self, request):
        query = EventStreamQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        last_event_id = query.validated_data.get("last_event_id")
        header = request.META.get("HTTP_LAST_EVENT_ID")
        if header:
            parsed = EventStreamQuerySerializer(data={"last_event_id": header})
            parsed.is_valid(raise_exception=True)
            last_event_id = parsed.validated_data["last_event_id"]
        if isinstance(request._request, ASGIRequest):
            body = event_stream(user_id=request.user.pk, last_event_id=last_event_id)
        else:
            body = polling_event_stream(user_id=request.user.pk, last_event_id=last_event_id)
        response = StreamingHttpResponse(body, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and isinstance(request, ASGIRequest):  # the stream, served by uvicorn
            with stream_db_work():  # then the stream waits on Redis, not on the database
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(self, "action", None) == "stream" and isinstance(response, Response):
            # Errors are JSON, whatever the Accept header (EventSource asks for text/event-stream).
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
