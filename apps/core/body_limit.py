"""A declared body over the limit is 413 `request_too_large` on every API endpoint.

apps/core/parsers.py refuses an oversized JSON body when a view reads it, but an endpoint
that takes no body (complete, spin, use...) never reads one, so a client could send
megabytes and get a 200. The contract says any body over the limit is a 413: this
middleware answers it from the declared `Content-Length`, before authentication, before
anything is read. A body sent without a length (chunked) is still counted as it is read,
by the parser, and a view that reads none never buffers it.
"""
from .exceptions import json_error_response
from .parsers import RequestTooLarge, max_body_bytes

API_PREFIX = "/api/"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > max_body_bytes():
                return json_error_response(RequestTooLarge.status_code, RequestTooLarge.code, str(RequestTooLarge.default_detail))
        return self.get_response(request)
