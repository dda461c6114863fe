"""A per-user snapshot of what authentication and the profile need, in the shared cache.

On this project's hardware an ORM query costs about a millisecond, so the hot
read path (every authenticated request loads the user; `me/` shows wallet,
streak, equipped items, freezes and boosts) reads one cache round trip instead
of three queries. See docs/benchmarks.md.

Correctness:
- Each user has a version token (`uv:<id>`). After the commit of any change to
  the user's row, wallet, streak, inventory rows or boosts, the token is
  replaced (signals in apps.py: cache plumbing, not game effects).
- A snapshot (`us:<id>`) records the token it was built under and counts only
  while that token is current; both are read with one `get_many`.
- The builder reads the token *before* reading the database, so a change that
  commits meanwhile leaves the snapshot under an outdated token: never served.
- Time-dependent parts (boost expiry, the streak as seen today) are computed at
  read time, so a snapshot never needs a job to expire.
- A TTL bounds what the rule does not see (an admin replacing an item image),
  and with the cache down every read simply falls through to the database.
Services never trust these values: they lock and re-read the rows they change.
"""
import uuid

from django.contrib.auth import get_user_model
from django.core.cache import cache

from apps.core import catalog_versions
from apps.core.fastsql import fetch_with_one_to_one
from apps.core.user_version import VERSION_KEY, user_version_bump, user_version_settle

SNAPSHOT_KEY = "us:{}"
TTL_SECONDS = 300


def user_snapshot_invalidate(user_id: int) -> None:
    """Forget the user's snapshot (and per-user cached responses): see apps/core/user_version.py."""
    user_version_bump(user_id)


def _build(user_id: int, version: str) -> dict | None:
    # = User.objects.select_related("wallet", "streak").filter(pk=user_id).first(), without compiling it
    user = fetch_with_one_to_one(get_user_model(), pk=user_id, related=("wallet", "streak"))
    if user is None:
        return None
    # The profile's extras (equipped items, freezes, boosts) are added by the
    # first profile read (`user_snapshot_add_extras`): authentication alone
    # costs one query when cold, as it would without the cache.
    return {"v": version, "user": user, "inventory": None, "boosts": None}


def user_snapshot(user_id: int) -> dict | None:
    """{"user": User (wallet and streak loaded), "inventory": [...], "boosts": [...]}, or None if no such user."""
    user_version_settle(user_id)
    version_key, snapshot_key = VERSION_KEY.format(user_id), SNAPSHOT_KEY.format(user_id)
    # With the catalog tokens the request will need (apps/core/catalog_versions.py): one round trip.
    found, _ = catalog_versions.read_with([version_key, snapshot_key])
    version, snapshot = found.get(version_key), found.get(snapshot_key)
    if version is not None and snapshot is not None and snapshot.get("v") == version:
        return snapshot
    if version is None:
        cache.add(version_key, uuid.uuid4().hex, None)
        version = cache.get(version_key)
    snapshot = _build(user_id, version)
    if snapshot is not None and version is not None:
        cache.set(snapshot_key, snapshot, TTL_SECONDS)
    return snapshot


def attach_snapshot(user, snapshot: dict) -> None:
    """Let the profile selectors use the snapshot instead of querying."""
    user.profile_snapshot_version = snapshot["v"]
    if snapshot["inventory"] is not None:
        user.profile_inventory = snapshot["inventory"]
    if snapshot["boosts"] is not None:
        user.profile_boosts = snapshot["boosts"]


def user_snapshot_add_extras(user, *, inventory: list, boosts: list) -> None:
    """Store the profile extras read for `user` in its snapshot, under the version the
    snapshot was built from: if anything changed since, the stored copy is never served."""
    version = getattr(user, "profile_snapshot_version", None)
    if version is None:
        return
    cache.set(
        SNAPSHOT_KEY.format(user.pk),
        {"v": version, "user": user, "inventory": inventory, "boosts": boosts},
        TTL_SECONDS,
    )
