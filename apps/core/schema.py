"""Swagger (drf-yasg) conventions shared by every app.

Client generators and the schema fuzzer (`make fuzz`) read /swagger.json, so it
must say exactly what the API answers: every status an operation can return,
with the error `code`s of each, and the constraints the code enforces.

Declaring an operation's errors: one line per view
--------------------------------------------------
List the error classes the view and its services raise; `error_responses()`
groups them by status and documents each status's codes as an enum of `code`::

    from apps.core.schema import error_responses

    @swagger_auto_schema(
        request_body=ShopPurchaseInputSerializer,
        responses={201: ShopPurchaseResultSerializer,
                   **error_responses(NotFound, CurrencyNotAccepted, AlreadyOwned, InsufficientFunds)},
    )

It takes `DomainError` subclasses (apps/core/errors.py and each app's own),
DRF exception classes, or `(status, code)` pairs for errors raised by code
that has no class (e.g. `(401, "authentication_failed")` from SimpleJWT).

What every operation gets without asking, merged into the same statuses (so a
view lists only its own errors; `DreamTrackAutoSchema.get_operation`):
- 401 `not_authenticated` / `token_not_valid` / `authentication_failed` when the
  view authenticates; 429 `throttled` (with `Retry-After`) everywhere;
- 400 `validation_error` when it takes query parameters or a body; a body also
  brings 400 `parse_error`, 413 `request_too_large` and 415 `unsupported_media_type`;
- 404 `not_found` on routes with a path parameter and on page-number lists (a
  page past the last);
- `@idempotent` views: the body errors above, 409 `request_in_progress`,
  422 `idempotency_key_reused`, and the `Idempotent-Replayed` header on 2xx.

The older `responses={409: ErrorSerializer}` still works: that status is then
documented as the generic `Error` (any code), which tells clients less.

Also done here for every operation: django-filter parameters with their types,
enums, formats and help texts (`FilterSetInspector`); optional query parameters
marked `allowEmptyValue` (an empty value means "not given" throughout the API);
PATCH bodies optional, with no field required (`Patched<Input>`); strings
without NUL, and not blank where a trimmed CharField may not be;
integer ids on routes whose ids are digits only; GETs of one object (APIViews) named `<path>_read`, not
`<path>_list`; responses without a body (204, 304) not declared as JSON.
"""
from collections.abc import Iterable

import django_filters
from django import forms
from drf_yasg import openapi
from drf_yasg.app_settings import swagger_settings
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import FieldInspector, FilterInspector, NotHandled, SwaggerAutoSchema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.viewsets import ViewSetMixin

from .errors import DomainError
from .exceptions import CODE_MAP


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the contract."""

    code = serializers.CharField(help_text="Machine-readable code, e.g. `validation_error`, `insufficient_funds`.")
    detail = serializers.CharField(help_text="Human-readable message.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on validation failures: field -> messages.",
    )


def page_serializer(child_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page-number page of `child_class` items, for an extra action that
    paginates (drf-yasg pages only a viewset's own `list`)."""
    return type(
        f"{child_class.__name__.removesuffix('Serializer')}Page",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": child_class(many=True),
        },
    )


API_DESCRIPTION = """
DreamTrack: tasks, habits and dreams with XP, coins, levels, streaks and achievements; a shop, a daily roulette, friends, trades, leaderboards and notifications.

**Auth**: `Authorization: Bearer <access>` from `POST /api/v1/auth/token/` (Authorize button above).
Access tokens live 15 min, refresh tokens 7 days; refreshing rotates and blacklists the old one.

**Errors**: every 4xx/5xx is `{"code", "detail", "errors"?}`; `errors` (field -> messages) only on
validation failures. Each operation lists its statuses and, for each, the `code`s it can carry.
Someone else's object is always a 404. A body that is not JSON: 400 `parse_error` (also when nested
more than 32 levels deep); too large: 413 `request_too_large`; sent as another media type: 415.
Values must have their documented JSON type (a number is not a string); strings hold no NUL character.

**Pagination**: lists take `?page=&page_size=` (default 20, at most 100; larger sizes are capped) and
answer `{count, next, previous, results}`; a page or size that is not a positive integer is a 400,
a page past the last a 404. Growing feeds (ledger) use a cursor: `{next, previous, results}`; follow
the `next`/`previous` links (a malformed cursor is a 400). An empty query parameter means "not given".

**Idempotency**: POSTs that grant or spend value accept `Idempotency-Key` (1-255 chars). The same
key within 24 h replays the first response with `Idempotent-Replayed: true`; with a different
body it is 422 `idempotency_key_reused`; while the first is still running, 409 `request_in_progress`.

**Throttling**: per IP (anonymous), per user, and stricter scopes for login/register, spending and AI;
over the limit: 429 `throttled` with `Retry-After`.

**Rewards**: every response that grants rewards carries `rewards` (RewardSummary).
"""

API_INFO = openapi.Info(title="DreamTrack API", default_version="v1", description=API_DESCRIPTION)


IDEMPOTENCY_HEADER = openapi.Parameter(
    "Idempotency-Key",
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=False,
    min_length=1,
    max_length=255,
    description="1-255 chars. The same key within 24 h replays the first response "
    "(header `Idempotent-Replayed: true`) and applies nothing twice.",
)

# Response headers (Swagger 2.0 header objects).
REPLAYED_HEADERS = {
    "Idempotent-Replayed": {
        "type": openapi.TYPE_STRING,
        "enum": ["true"],
        "description": "Present on a replay: this is the first response to this Idempotency-Key, and nothing was applied again.",
    }
}
RETRY_AFTER_HEADERS = {"Retry-After": {"type": openapi.TYPE_INTEGER, "description": "Seconds to wait before retrying."}}
ETAG_HEADERS = {"ETag": {"type": openapi.TYPE_STRING, "description": "The body's tag: send it back as `If-None-Match`."}}
IF_NONE_MATCH = openapi.Parameter(
    "If-None-Match", openapi.IN_HEADER, type=openapi.TYPE_STRING, required=False,
    description="An `ETag` this operation answered: 304 with no body while the answer is the same.",
)


# --- Error responses -----------------------------------------------------------

AUTH_ERRORS = {
    "not_authenticated": "No `Authorization: Bearer <access>` header.",
    "token_not_valid": "The token is invalid, expired, or its account is gone.",
    "authentication_failed": "The account is inactive.",
}
THROTTLED = {"throttled": "Too many requests; retry after `Retry-After` seconds."}
VALIDATION = {"validation_error": "Invalid input; `errors` maps each field or parameter to its messages."}
BODY_ERRORS = {
    400: {"parse_error": "The body is not valid JSON (or nests more than 32 levels)."},
    413: {"request_too_large": "The body is larger than the server accepts."},
    415: {"unsupported_media_type": "The body is not `application/json`."},
}
NOT_ACCEPTABLE = {"not_acceptable": "The `Accept` header names no media type this operation answers in."}
NOT_FOUND = {"not_found": "Not found (or not yours)."}
PAGE_NOT_FOUND = {"not_found": "Not found; on a list, a page past the last."}
IDEMPOTENCY_ERRORS = {
    400: {"validation_error": "Among others: an Idempotency-Key that is not 1-255 characters."},
    409: {"request_in_progress": "A request with this Idempotency-Key is still running."},
    422: {"idempotency_key_reused": "This Idempotency-Key was used with a different request."},
}


def _describe(kind) -> tuple[int, str, str]:
    """(status, code, description) of an error class or an explicit (status, code[, description])."""
    if isinstance(kind, tuple):
        status, code, *rest = kind
        return int(status), code, rest[0] if rest else ""
    if isinstance(kind, type) and issubclass(kind, DomainError):
        return kind.status_code, kind.code, kind.default_detail
    if isinstance(kind, type) and issubclass(kind, exceptions.APIException):
        return kind.status_code, CODE_MAP.get(kind.default_code, kind.default_code), str(kind.default_detail)
    raise TypeError(f"error_responses() takes error classes or (status, code) pairs, not {kind!r}")


def error_schema(codes: Iterable[str]) -> openapi.Schema:
    """The contract's error shape with `code` limited to `codes`."""
    return openapi.Schema(
        type=openapi.TYPE_OBJECT,
        required=["code", "detail"],
        properties={
            "code": openapi.Schema(type=openapi.TYPE_STRING, enum=sorted(codes)),
            "detail": openapi.Schema(type=openapi.TYPE_STRING, description="Human-readable message."),
            "errors": openapi.Schema(
                type=openapi.TYPE_OBJECT,
                additional_properties=openapi.Schema(type=openapi.TYPE_ARRAY, items=openapi.Schema(type=openapi.TYPE_STRING)),
                description="Only on validation failures: field or parameter -> messages.",
            ),
        },
        additional_properties=False,
    )


def _error_response(codes: dict[str, str], *, generic: bool, generic_schema=ErrorSerializer) -> openapi.Response:
    description = "\n".join(f"- `{code}`: {text}".rstrip(": ") for code, text in sorted(codes.items()))
    if generic:  # declared as the bare ErrorSerializer somewhere: its codes are not all known
        response = openapi.Response(description or "An error.", schema=generic_schema)
    else:
        response = openapi.Response(description, schema=error_schema(codes))
    response._error_codes = dict(codes)  # read back when merging; not rendered (a private attribute)
    response._generic = generic
    return response


def error_responses(*kinds) -> dict[int, openapi.Response]:
    """`responses={..., **error_responses(NotFound, AlreadyCompleted)}`: each status with its codes."""
    by_status: dict[int, dict[str, str]] = {}
    for kind in kinds:
        status, code, text = _describe(kind)
        by_status.setdefault(status, {})[code] = text
    return {status: _error_response(codes, generic=False) for status, codes in sorted(by_status.items())}


# --- Query parameters of django-filter FilterSets --------------------------------


class FilterSetInspector(FilterInspector):
    """django-filter parameters typed like the filters parse them (drf-yasg's own
    compat inspector makes every one a bare string with no description)."""

    def get_filter_parameters(self, filter_backend):
        if not hasattr(filter_backend, "get_filterset_class"):
            return NotHandled
        filterset_class = filter_backend.get_filterset_class(self.view, getattr(self.view, "queryset", None))
        if filterset_class is None:
            return NotHandled
        return [self.parameter(name, f) for name, f in filterset_class.base_filters.items()]

    @staticmethod
    def parameter(name: str, f: django_filters.Filter) -> openapi.Parameter:
        description = str(f.extra.get("help_text") or "")
        kwargs: dict = {"type": openapi.TYPE_STRING}
        if isinstance(f, django_filters.OrderingFilter):
            kwargs = {
                "type": openapi.TYPE_ARRAY,
                "items": openapi.Items(type=openapi.TYPE_STRING, enum=[value for value, _ in f.field.choices if value]),
                "collection_format": "csv",
            }
            description = description or "Sort keys, comma-separated; `-` sorts descending."
        elif isinstance(f, django_filters.ChoiceFilter):
            kwargs["enum"] = [str(value) for value, _ in f.field.choices if value != ""]
        elif isinstance(f, django_filters.BooleanFilter):
            kwargs["type"] = openapi.TYPE_BOOLEAN
        elif isinstance(f, django_filters.DateFilter):
            kwargs["format"] = openapi.FORMAT_DATE
        elif isinstance(f, django_filters.NumberFilter):
            integer = issubclass(f.field_class, forms.IntegerField)
            kwargs["type"] = openapi.TYPE_INTEGER if integer else openapi.TYPE_NUMBER
            for bound, keyword in (("min_value", "minimum"), ("max_value", "maximum")):
                if f.extra.get(bound) is not None:
                    kwargs[keyword] = f.extra[bound]
        elif isinstance(f, django_filters.CharFilter) and f.extra.get("max_length"):
            kwargs["max_length"] = f.extra["max_length"]
        return openapi.Parameter(name, openapi.IN_QUERY, description=description, required=False, **kwargs)


# --- Strings ----------------------------------------------------------------------------

# DRF's CharField and Django's form fields refuse NUL characters (PostgreSQL
# cannot store or compare them): a 400, so the schema says so.
NO_NUL = "^[^\\x00]*$"
# A CharField trims surrounding whitespace before its blank check: a string that
# may not be blank needs one character that is neither whitespace nor NUL.
NOT_BLANK = "^[^\\x00]*[^\\x00\\s][^\\x00]*$"


class TrimmedStringInspector(FieldInspector):
    """Adds NOT_BLANK to the schema of a CharField that trims and may not be blank."""

    def process_result(self, result, method_name, obj, **kwargs):
        if (
            isinstance(obj, serializers.CharField)
            and obj.trim_whitespace
            and not obj.allow_blank
            and isinstance(result, (openapi.Schema, openapi.Parameter))
            and result.get("type") == openapi.TYPE_STRING
            and not {"enum", "format", "pattern"} & result.keys()
        ):
            result["pattern"] = NOT_BLANK
        return result


# --- The per-operation inspector ------------------------------------------------------


class DreamTrackAutoSchema(SwaggerAutoSchema):
    field_inspectors = [TrimmedStringInspector, *swagger_settings.DEFAULT_FIELD_INSPECTORS]
    filter_inspectors = [FilterSetInspector, *swagger_settings.DEFAULT_FILTER_INSPECTORS]

    def get_tags(self, operation_keys=None):
        tags = self.overrides.get("tags")
        if tags:
            return tags
        module = type(self.view).__module__.split(".")
        if len(module) > 1 and module[0] == "apps":
            return [module[1]]
        return super().get_tags(operation_keys)

    def get_operation_id(self, operation_keys=None):
        keys = list(operation_keys or self.operation_keys)
        # drf-yasg calls every GET without a path parameter a "list"; an APIView's GET
        # (me/, dashboard/, me/export/) returns one object.
        if keys and keys[-1] == "list" and not isinstance(self.view, ViewSetMixin) and "operation_id" not in self.overrides:
            keys[-1] = "read"
        return super().get_operation_id(keys)

    def _view_method(self):
        return getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)

    def _is_idempotent(self) -> bool:
        return bool(getattr(self._view_method(), "idempotent", False))

    def _authenticates(self) -> bool:
        return bool(getattr(self.view, "authentication_classes", None))

    def _is_public(self) -> bool:
        classes = getattr(self.view, "permission_classes", None) or []
        return any(c is AllowAny for c in classes)

    def add_manual_parameters(self, parameters):
        parameters = super().add_manual_parameters(parameters)
        if self._is_idempotent() and not any(p.name == "Idempotency-Key" for p in parameters):
            parameters = [*parameters, IDEMPOTENCY_HEADER]
        return parameters

    def get_request_body_parameters(self, consumes):
        # drf-yasg marks every body required; one whose fields are all optional (check-in's
        # `{date?}`) may be left out altogether, and the views accept that.
        parameters = super().get_request_body_parameters(consumes)
        serializer = self.get_request_serializer()
        if isinstance(serializer, serializers.Serializer) and not any(f.required for f in serializer.fields.values()):
            for parameter in parameters:
                parameter.required = False
        return parameters

    def get_response_serializers(self):
        # A bare ErrorSerializer (the older style) becomes a generic error response,
        # so get_operation can merge it with the statuses every operation gets.
        responses = super().get_response_serializers()
        for status, value in list(responses.items()):
            if value is ErrorSerializer or isinstance(value, ErrorSerializer):
                responses[status] = _error_response({}, generic=True)
        return responses

    def default_errors(self, parameters) -> dict[int, dict[str, str]]:
        """The error statuses and codes this operation gets from the platform."""
        # Any request may send a body (a GET too: the size limit reads Content-Length) and
        # an Accept header the API cannot answer.
        errors: dict[int, dict[str, str]] = {429: dict(THROTTLED), 406: dict(NOT_ACCEPTABLE), 413: dict(BODY_ERRORS[413])}

        def add(status: int, codes: dict[str, str]) -> None:
            errors.setdefault(status, {}).update(codes)

        if self._authenticates():
            add(401, AUTH_ERRORS)
        locations = {p.get("in") for p in parameters}
        reads_body = "body" in locations or self._is_idempotent()
        if "query" in locations or reads_body:
            add(400, VALIDATION)
        if reads_body:
            for status, codes in BODY_ERRORS.items():
                add(status, codes)
        if "{" in self.path:
            add(404, NOT_FOUND)
        if any(p.get("name") == "page" and p.get("in") == "query" for p in parameters):
            add(404, PAGE_NOT_FOUND)
        if self._is_idempotent():
            for status, codes in IDEMPOTENCY_ERRORS.items():
                add(status, codes)
        return errors

    def get_operation(self, operation_keys=None):
        operation = super().get_operation(operation_keys)
        parameters = list(operation.get("parameters") or [])
        self._document_errors(operation, parameters)
        conditional = "304" in operation["responses"]
        if conditional:  # a 304 answers an If-None-Match that names the ETag of a 200
            parameters.append(IF_NONE_MATCH)
            operation["parameters"] = parameters
        for response_status, response in operation["responses"].items():
            if response_status.startswith("2") and self._is_idempotent():
                response.setdefault("headers", {}).update(REPLAYED_HEADERS)
            if conditional and response_status in ("200", "304"):
                response.setdefault("headers", {}).update(ETAG_HEADERS)
            if response_status == "429":
                response.setdefault("headers", {}).update(RETRY_AFTER_HEADERS)
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True  # empty means "not given" (DRF and django-filter)
            if parameter.get("in") == "body" and self.method == "PATCH":
                parameter["required"] = False  # a partial update may change nothing...
                parameter["schema"] = self._patched(parameter["schema"])  # ...or any one field
        return operation

    def _patched(self, schema):
        """The body schema of a partial update: the input's, with no field required."""
        if isinstance(schema, openapi.SchemaRef):
            definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
            name = schema.ref.rsplit("/", 1)[-1]
            original = definitions.get(name)
            if not original or not original.get("required"):
                return schema
            patched = f"Patched{name}"
            definitions.setdefault(patched, lambda: openapi.Schema(**{k: v for k, v in original.items() if k != "required"}))
            return openapi.SchemaRef(definitions, patched)
        if isinstance(schema, openapi.Schema) and schema.get("required"):
            return openapi.Schema(**{k: v for k, v in schema.items() if k != "required"})
        return schema

    def _document_errors(self, operation, parameters) -> None:
        responses = operation["responses"]
        merged: dict[int, dict[str, str]] = {}
        generic: set[int] = set()
        for key in list(responses):
            response = responses[key]
            codes = getattr(response, "_error_codes", None)
            if codes is None:
                continue  # a success, or an error response written out by hand: kept as it is
            status = int(key)
            merged.setdefault(status, {}).update(codes)
            if getattr(response, "_generic", False):
                generic.add(status)
            del responses[key]
        for status, codes in self.default_errors(parameters).items():
            if str(status) in responses:
                continue  # written out by hand
            merged.setdefault(status, {}).update(codes)
        error_ref = self.serializer_to_schema(ErrorSerializer())
        for status in sorted(merged):
            responses[str(status)] = _error_response(merged[status], generic=status in generic, generic_schema=error_ref)


def _forbid_nul(node) -> None:
    """Add NO_NUL to every free-form string schema under `node` (no enum, format or pattern)."""
    if isinstance(node, dict):
        if node.get("type") == openapi.TYPE_STRING and not {"enum", "format", "pattern"} & node.keys():
            node["pattern"] = NO_NUL
        for value in node.values():
            _forbid_nul(value)
    elif isinstance(node, list):
        for value in node:
            _forbid_nul(value)


class DreamTrackSchemaGenerator(OpenAPISchemaGenerator):
    """Swagger 2.0 declares media types per operation, not per response: an
    operation that can answer without a body (204, 304) declares none, since
    those responses carry no Content-Type; every other one declares JSON.
    Free-form strings (inputs and successful outputs) declare that they hold no NUL
    character; error bodies do not, since a message may quote what was sent."""

    def get_path_parameters(self, path, view_cls):
        # drf-yasg types an id from the model, which a view without a `queryset`
        # attribute does not name: a view whose ids match only digits takes integers.
        parameters = super().get_path_parameters(path, view_cls)
        if getattr(view_cls, "lookup_value_regex", None) == r"\d+":
            for parameter in parameters:
                if parameter.name in ("id", "pk", getattr(view_cls, "lookup_url_kwarg", None) or view_cls.lookup_field):
                    parameter.type = openapi.TYPE_INTEGER
                    parameter.pop("pattern", None)
                    parameter.pop("format", None)
        return parameters

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request, public)
        produces = schema.pop("produces", None) or ["application/json"]
        for item in schema["paths"].values():
            for method, operation in item.items():
                if method == "parameters":
                    continue
                bodiless = any(code in ("204", "304") for code in operation["responses"])
                if bodiless:
                    operation.pop("produces", None)
                else:
                    operation.setdefault("produces", produces)
                _forbid_nul(operation.get("parameters"))
                _forbid_nul([r for code, r in operation["responses"].items() if code < "400"])
            _forbid_nul(item.get("parameters"))
        _forbid_nul({name: d for name, d in schema.get("definitions", {}).items() if name != "Error"})
        return schema
