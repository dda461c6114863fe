"""JSON bodies with a size limit.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(2.5 MB by default) never applies to a JSON body: without this parser a client
can make the server buffer and parse a body of any size. Enable it with
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["apps.core.parsers.JSONParser"].
"""
import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from .errors import DomainError


class RequestTooLarge(DomainError):
    status_code = 413
    code = "request_too_large"
    default_detail = "The request body is too large."


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = max_body_bytes()
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1)  # chunked bodies have no Content-Length: count what arrives
        if len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            parse_constant = strict_constant if self.strict else None  # NaN/Infinity are not JSON
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from None
