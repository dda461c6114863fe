"""Per-user GET responses in the shared cache, valid while nothing they show changed.

A cached response is keyed by the user, the user's version token (apps/core/
user_version.py, replaced after every change to what the user's pages show),
the user's local date (for "today"/"overdue"), and the full path with its query
string; it also records the catalog versions it was built under (shop,
achievements), compared on every hit. Reading it is one `get_many`, and the
token comes with the user from the authentication snapshot, so a hit costs no
query. `expires` may shorten the lifetime to when something in the response
stops being true by time alone (a boost's expiry).
"""
import functools
import hashlib
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from rest_framework.response import Response

from . import catalog_versions
from .localday import local_date

DEFAULT_TTL = 300


def cached_per_user(*, catalog_keys: tuple[str, ...] = (), expires=None, ttl: int = DEFAULT_TTL):
    """Decorator for a DRF GET view method. `expires(data) -> datetime | None`."""

    def decorate(view_method):
        @functools.wraps(view_method)
        def wrapper(self, request, *args, **kwargs):
            user = request.user
            version = getattr(user, "profile_snapshot_version", None)
            if request.method != "GET" or version is None:
                return view_method(self, request, *args, **kwargs)
            fingerprint = f"{version}|{local_date(user).isoformat()}|{request.get_full_path()}"
            key = f"rc:{user.pk}:{hashlib.sha1(fingerprint.encode()).hexdigest()}"
            # The catalog tokens usually came with the user's snapshot (catalog_versions).
            found, catalogs = catalog_versions.read_with([key], catalog_keys)
            entry = found.get(key)
            now = timezone.now()
            if entry is not None and entry["catalogs"] == catalogs and entry["until"] > now:
                return Response(entry["data"], status=entry["status"])
            response = view_method(self, request, *args, **kwargs)
            if response.status_code != 200 or None in catalogs:
                return response
            seconds = ttl
            if expires is not None:
                until: datetime | None = expires(response.data)
                if until is not None:
                    seconds = min(seconds, int((until - now).total_seconds()))
            if seconds > 0:
                cache.set(
                    key,
                    {"data": response.data, "status": response.status_code, "catalogs": catalogs,
                     "until": now + timedelta(seconds=seconds)},
                    seconds,
                )
            return response

        return wrapper

    return decorate
