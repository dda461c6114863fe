"""The one DRF exception handler: every 4xx/5xx in the contract's shape.

`{"code": "machine_code", "detail": "Human message.", "errors": {"field": ["msg"]}}`
(`errors` only on validation failures).
"""
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

logger = logging.getLogger("dreamtrack.errors")

# DRF's codes renamed to the contract's.
CODE_MAP = {
    "invalid": "validation_error",
    "authentication_failed": "authentication_failed",
    "no_active_account": "authentication_failed",
    "user_not_found": "token_not_valid",
    "bad_authorization_header": "token_not_valid",  # SimpleJWT: "Bearer" with no or two tokens
    "user_inactive": "authentication_failed",
    "not_authenticated": "not_authenticated",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "throttled",
    "parse_error": "parse_error",
}


def error_body(code: str, detail: str, errors: dict | None = None) -> dict:
    body = {"code": code, "detail": str(detail)}
    if errors:
        body["errors"] = errors
    return body


def _flatten_errors(data) -> dict:
    """DRF validation detail -> {"field": ["msg", ...]}, nested fields and list items named
    with dots (`offered.items.0.quantity`); messages outside any field: `non_field_errors`."""
    out: dict[str, list[str]] = {}

    def add(key: str, detail) -> None:
        if isinstance(detail, dict):
            for sub, value in detail.items():
                add(f"{key}.{sub}" if key else str(sub), value)
        elif isinstance(detail, list):
            for index, item in enumerate(detail):
                if isinstance(item, dict | list):
                    add(f"{key}.{index}" if key else str(index), item)
                else:
                    add(key, item)
        else:
            out.setdefault(key or "non_field_errors", []).append(str(detail))

    add("", data)
    return out


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.errors), status=exc.status_code)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or restarting. The request's transaction rolled back
        # (nothing half-done); the client may retry, with the same Idempotency-Key.
        logger.warning("database unavailable: %s", exc)
        response = Response(
            error_body("service_unavailable", "The service is briefly unavailable. Please retry."), status=503
        )
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handler (JSON under /api/) takes it
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_error", "Invalid input.", _flatten_errors(exc.detail))
        return response
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict):
            # SimpleJWT: {"detail": ..., "code": ..., "messages": [...]}
            code = str(detail.get("code", code))
            detail = detail.get("detail", exc.default_detail)
        elif isinstance(detail, exceptions.ErrorDetail):
            code = detail.code or code
        if isinstance(exc, exceptions.Throttled):
            code = "throttled"
        elif isinstance(exc, exceptions.NotAuthenticated):
            code = "not_authenticated"
        code = CODE_MAP.get(code, code)
        response.data = error_body(code, str(detail))
    return response


def json_error_response(status_code: int, code: str, detail: str):
    from django.http import JsonResponse

    return JsonResponse(error_body(code, detail), status=status_code)


def handler404(request, exception=None):
    return json_error_response(status.HTTP_404_NOT_FOUND, "not_found", "Not found.")


def handler500(request):
    return json_error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", "Internal server error.")


def handler403(request, exception=None):
    return json_error_response(status.HTTP_403_FORBIDDEN, "permission_denied", "Permission denied.")


def handler400(request, exception=None):
    return json_error_response(status.HTTP_400_BAD_REQUEST, "bad_request", "Bad request.")
