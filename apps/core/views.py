"""Process and readiness probes, and the JSON 404 for unknown API routes."""
import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger("dreamtrack.health")

_HEALTHY = b'{"status":"ok"}'


@require_GET
def healthz(request):
    """Process alive. Touches neither the database nor the cache."""
    from django.http import HttpResponse

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


@require_GET
def readyz(request):
    checks = {"database": _check_database(), "cache": _check_cache()}
    if all(checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    return JsonResponse(
        {"code": "service_unavailable", "detail": "A dependency is unreachable.", "checks": checks},
        status=503,
    )


def api_not_found(request, *args, **kwargs):
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
