"""Swagger (drf-yasg) conventions shared by every app.

Every operation gets a tag named after its app and the contract's error
responses (401/429 everywhere it applies; 400 on writes; 404 on detail routes),
so Swagger UI shows the errors a client must handle.
"""
from drf_yasg import openapi
from drf_yasg.inspectors import SwaggerAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the contract."""

    code = serializers.CharField(help_text="Machine-readable code, e.g. `validation_error`, `insufficient_funds`.")
    detail = serializers.CharField(help_text="Human-readable message.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on validation failures: field -> messages.",
    )


API_DESCRIPTION = """
DreamTrack: tasks, habits and dreams, with XP, coins, levels, streaks and achievements.

**Auth**: `Authorization: Bearer <access>` from `POST /api/v1/auth/token/` (Authorize button above).
Access tokens live 15 min, refresh tokens 7 days; refreshing rotates and blacklists the old one.

**Errors**: every 4xx/5xx is `{"code", "detail", "errors"?}`; `errors` (field -> messages) only on
validation failures. Someone else's object is always a 404.

**Pagination**: lists take `?page=&page_size=` (default 20, max 100) and answer
`{count, next, previous, results}`; growing feeds (ledger) use a cursor: `{next, previous, results}`.

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
    description="1-255 chars. The same key within 24 h replays the first response "
    "(header `Idempotent-Replayed: true`) and applies nothing twice.",
)


class DreamTrackAutoSchema(SwaggerAutoSchema):
    def get_tags(self, operation_keys=None):
        tags = self.overrides.get("tags")
        if tags:
            return tags
        module = type(self.view).__module__.split(".")
        if len(module) > 1 and module[0] == "apps":
            return [module[1]]
        return super().get_tags(operation_keys)

    def _is_public(self) -> bool:
        classes = getattr(self.view, "permission_classes", None) or []
        return any(c is AllowAny for c in classes)


    def get_response_serializers(self):
        responses = super().get_response_serializers()
        method = self.method.upper()
        defaults = {429: ErrorSerializer}
        if not self._is_public():
            defaults[401] = ErrorSerializer
        if method in {"POST", "PUT", "PATCH"}:
            defaults[400] = ErrorSerializer
        if "{" in self.path and "}" in self.path:
            defaults[404] = ErrorSerializer
        for status_code, serializer in defaults.items():
            if status_code not in responses and str(status_code) not in responses:
                responses[status_code] = serializer
        return responses

    def add_manual_parameters(self, parameters):
        parameters = super().add_manual_parameters(parameters)
        view_method = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        if getattr(view_method, "idempotent", False) and not any(p.name == "Idempotency-Key" for p in parameters):
            parameters = [*parameters, IDEMPOTENCY_HEADER]
        return parameters
