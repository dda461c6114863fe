from rest_framework.renderers import BaseRenderer


class EventStreamRenderer(BaseRenderer):
    """Lets `Accept: text/event-stream` (what EventSource sends) reach the stream view,
    whose body is a StreamingHttpResponse; errors are rendered as JSON (EventsViewSet)."""

    media_type = "text/event-stream"
    format = "event-stream"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("events/stream/ answers with a StreamingHttpResponse")
