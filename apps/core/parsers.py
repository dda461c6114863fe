"""JSON bodies with a size and a nesting limit.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(2.5 MB by default) never applies to a JSON body: without this parser a client
can make the server buffer and parse a body of any size. Enable it with
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["apps.core.parsers.JSONParser"].

Nesting is limited too (`MAX_JSON_DEPTH`): a 2 KB body of 1,000 nested arrays
exhausts Python's recursion limit inside `json.loads`, and a shallower one can
still do so later in any recursive code that walks the data (rendering, the
idempotency fingerprint, error flattening). Both are a 400 `parse_error`.
A view that reads raw bytes itself (a signed webhook) calls `read_body` and `loads_json`.
"""
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from .errors import DomainError

# No request of the API nests anywhere near this deep.
MAX_JSON_DEPTH = 32


class RequestTooLarge(DomainError):
    status_code = 413
    code = "request_too_large"
    default_detail = "The request body is too large."


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def _depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests lists/dicts deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_json(raw: bytes, encoding: str = "utf-8"):
    """Parse a JSON body: NaN/Infinity refused, at most MAX_JSON_DEPTH levels. ParseError otherwise."""
    try:
        text = raw.decode(encoding)
        value = json.loads(text, parse_constant=strict_constant)  # NaN/Infinity are not JSON
    except RecursionError:
        raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ParseError(f"JSON parse error - {exc}") from None
    # Only a body with more brackets than the limit can be too deep: most are never walked.
    if isinstance(value, (dict, list)) and text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
    return value


def read_body(request) -> bytes:
    """The raw body of a view that reads it itself (a signed webhook), with the
    parser's 413: Django's own limit raises RequestDataTooBig, a 400 `bad_request`."""
    declared = request.META.get("CONTENT_LENGTH")
    limit = max_body_bytes()
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
    try:
        return request.body
    except RequestDataTooBig:
        raise RequestTooLarge(f"The request body is larger than {limit} bytes.") from None


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
        return loads_json(raw, parser_context.get("encoding", settings.DEFAULT_CHARSET))
