"""Process and readiness probes, and the JSON 404 for unknown API routes."""
import functools
import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from .staticfiles import static_manifest_missing

logger = logging.getLogger("dreamtrack.health")

_HEALTHY = b'{"status":"ok"}'


def probe(view):
    """GET and HEAD only (load balancers use either); anything else is a JSON 405
    (CSRF-exempt: the probes set nothing, and a write must get that 405, not Django's HTML 403)."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                {"code": "method_not_allowed", "detail": f'Method "{request.method}" not allowed.'}, status=405
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


@probe
def healthz(request):
    """Process alive. Touches neither the database nor the cache."""
    return HttpResponse(_HEALTHY, content_type="application/json")


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.exception("readyz: database unreachable")
        return False


def _check_cache() -> bool:
    # The cache is configured to swallow Redis errors (so requests degrade
    # instead of failing); readiness must see through that, so it asks the
    # client directly when django-redis is in use.
    try:
        client_getter = getattr(cache, "client", None)
        if client_getter is not None and hasattr(client_getter, "get_client"):
            return bool(client_getter.get_client(write=True).ping())
        cache.set("readyz", "1", 5)
        return cache.get("readyz") == "1"
    except Exception:
        logger.exception("readyz: cache unreachable")
        return False


@probe
def readyz(request):
    # static_files: with DEBUG off, `collectstatic` must have run (apps/core/staticfiles.py).
    checks = {"database": _check_database(), "cache": _check_cache(), "static_files": not static_manifest_missing()}
    if all(checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    return JsonResponse({"code": "service_unavailable", "detail": f"Not ready: {failing}.", "checks": checks}, status=503)


class ApiNotFoundView(APIView):
    """Every /api/ path no route matches, whatever the method. A DRF view like the
    routes it stands in for, so a request without a valid token is the JSON 401,
    throttles count it, and no CSRF check answers a write with Django's HTML 403."""

    swagger_schema = None  # not an operation of the API document

    def not_found(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = options = not_found


api_not_found = ApiNotFoundView.as_view()
