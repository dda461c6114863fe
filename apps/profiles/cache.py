"""The user that authentication loads, kept in the shared cache as plain data.

Every authenticated request needs its user row. It is kept under `ua:<id>` as the
row's field values (JSON-able: a deploy that changes the model never meets an old
pickle) with the user-row token (`uva:<id>`) it was built under. Only a change to the
user row replaces that token (apps/core/user_version.py), so a player's completions and
purchases do not cost the next request a query. The same cache round trip reads the
user's page token (`uv:<id>`, which the response cache compares), the catalog tokens
and, for a GET, the cached response itself. A builder reads the token before the
database, so a change that commits meanwhile leaves what it built under an outdated
token: never served. With the cache down every read falls through to the database.
"""
import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS

from apps.core import catalog_versions
from apps.core.user_version import AUTH_VERSION_KEY, VERSION_KEY, user_version_settle

AUTH_KEY = "ua:{}"
TTL_SECONDS = 300


def _fields_of(user) -> dict:
    """The user row's concrete field values as JSON-able data."""
    values = {}
    for field in type(user)._meta.concrete_fields:
        value = field.value_from_object(user)
        values[field.attname] = value.isoformat() if isinstance(value, datetime.date) else value
    return values


def _user_from(values: dict):
    """A User loaded from `_fields_of`'s values (each through its field's `to_python`)."""
    fields = get_user_model()._meta.concrete_fields
    return get_user_model().from_db(
        DEFAULT_DB_ALIAS, [f.attname for f in fields], [f.to_python(values[f.attname]) for f in fields]
    )


def user_snapshot(user_id: int, *, counters=(), extra_keys=()) -> dict | None:
    """{"v": the user's page token, "user": User, "counts", "extra"}, or None if no such user.
    `counters`: rate-limit counters to count in the same cache round trip
    (apps/core/cache_pipeline.py); "counts" has their new values (None if not counted).
    `extra_keys`: other cache keys to read in that round trip; "extra" has {key: value or None}."""
    user_version_settle(user_id)
    auth_version_key, auth_key, version_key = (
        AUTH_VERSION_KEY.format(user_id),
        AUTH_KEY.format(user_id),
        VERSION_KEY.format(user_id),
    )
    found, _, counts = catalog_versions.read_and_count_with(
        [auth_version_key, auth_key, version_key, *extra_keys], counters=counters
    )
    auth_version = catalog_versions.token_or_new(auth_version_key, found.get(auth_version_key), ttl=None)
    version = catalog_versions.token_or_new(version_key, found.get(version_key), ttl=None)
    entry = found.get(auth_key)
    try:
        user = _user_from(entry["fields"]) if entry["v"] == auth_version and auth_version is not None else None
    except (TypeError, KeyError):  # no entry, or one of another shape (written by an older deploy)
        user = None
    if user is None:
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is None:
            return None
        if auth_version is not None:
            cache.set(auth_key, {"v": auth_version, "fields": _fields_of(user)}, TTL_SECONDS)
    return {
        "v": version,
        "user": user,
        "counts": counts,
        "extra": {key: found.get(key) for key in extra_keys},
    }
