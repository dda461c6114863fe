"""Per-user GET responses in the shared cache, valid while nothing they show changed.

A cached response is keyed by the user and the full URL (scheme, host, path
and query string); it records the user's version token (apps/core/user_version.py,
replaced after every change to what the user's pages show), the user's local
date (for "today"/"overdue") and the catalog versions (shop, achievements) it
was built under, all compared on every hit. What is kept is the rendered body.
Authentication reads the entry for a GET with the user's snapshot (and the
token with it), so a hit costs neither a round trip of its own nor a query.
`expires` may shorten the lifetime to when something in the response stops
being true by time alone (a boost's expiry).
"""
import functools
import hashlib
from datetime import datetime, timedelta

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from rest_framework.response import Response

from . import catalog_versions
from .localday import local_date

DEFAULT_TTL = 300


JSON = "application/json"


def response_cache_key(user_id: int, request) -> str:
    """Where a user's response for this path and query string is kept. The entry itself
    records the user's token, local date and catalog tokens it was built under, so the
    key is known before any of those are read: authentication fetches it with the
    user's snapshot, in the same round trip."""
    # The whole URL: bodies hold absolute image URLs, built from the scheme and host asked.
    return f"rc3:{user_id}:{hashlib.sha1(request.build_absolute_uri().encode()).hexdigest()}"


def _served(request, entry: dict, etag: bool) -> HttpResponse:
    """The stored bytes as a response; with `etag`, 304 (empty) when If-None-Match names them."""
    if etag and etag_matches(request.headers.get("If-None-Match"), entry["etag"]):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(entry["body"], status=entry["status"], content_type=entry["content_type"])
    for name, value in entry["headers"]:
        response[name] = value
    if etag:
        response["ETag"] = entry["etag"]
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ["Authorization"])
    return response


def etag_for(body: bytes) -> str:
    """The `ETag` of a response body: a hash of its exact bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Does an `If-None-Match` header name `etag` (or `*`)? Weak tags compare equal."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def cached_per_user(*, catalog_keys: tuple[str, ...] = (), expires=None, ttl: int = DEFAULT_TTL, etag: bool = False):
    """Decorator for a DRF GET view method. `expires(data) -> datetime | None`.

    What is kept is the rendered JSON body (with the view's own headers): a hit is
    served as bytes, without building or rendering the data again. Only plain
    `application/json` responses are kept (a client asking `; indent=4` or the
    browsable API gets a fresh render). `etag=True`: the response carries an
    `ETag` (a hash of the body) and `If-None-Match` naming it gets 304 with an
    empty body, whether or not the body came from the cache."""

    def decorate(view_method):
        @functools.wraps(view_method)
        def wrapper(self, request, *args, **kwargs):
            user = request.user
            version = getattr(user, "cache_version", None)
            media_type = getattr(request, "accepted_media_type", None) or ""
            cacheable = request.method == "GET" and media_type == JSON
            # HEAD and `application/json; indent=4` are rendered afresh, with their own ETag.
            if not cacheable and not (etag and media_type.startswith(JSON)):
                return view_method(self, request, *args, **kwargs)
            key = entry = None
            catalogs: list = []
            now = timezone.now()
            day = local_date(user).isoformat()
            if cacheable and version is not None:
                key = response_cache_key(user.pk, request)
                prefetched = getattr(request, "response_cache_prefetch", None) or {}
                if key in prefetched:  # read with the user's snapshot (authentication)
                    entry = prefetched[key]
                    catalogs = catalog_versions.read_with([], catalog_keys)[1]
                else:
                    # The catalog tokens usually came with the user's snapshot (catalog_versions).
                    found, catalogs = catalog_versions.read_with([key], catalog_keys)
                    entry = found.get(key)
            if (
                entry is not None
                and (entry.get("v"), entry.get("day")) == (version, day)
                and entry["catalogs"] == catalogs
                and entry["until"] > now
            ):
                return _served(request, entry, etag)
            response = view_method(self, request, *args, **kwargs)
            if response.status_code != 200 or not isinstance(response, Response):
                return response
            response.accepted_renderer = request.accepted_renderer
            response.accepted_media_type = request.accepted_media_type
            response.renderer_context = self.get_renderer_context()
            body = response.rendered_content
            entry = {
                "body": body,
                "status": response.status_code,
                "content_type": response["Content-Type"],
                "headers": [(k, v) for k, v in response.items() if k.lower() not in ("content-type", "content-length")],
                "etag": etag_for(body),
                "catalogs": catalogs,
                "v": version,
                "day": day,
            }
            seconds = ttl
            if expires is not None:
                until: datetime | None = expires(response.data)
                if until is not None:
                    seconds = min(seconds, int((until - now).total_seconds()))
            if key is not None and None not in catalogs and seconds > 0:
                cache.set(key, {**entry, "until": now + timedelta(seconds=seconds)}, seconds)
            return _served(request, entry, etag)

        return wrapper

    return decorate
