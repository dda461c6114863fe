"""Per-user snapshots of what authentication and the profile need, in the shared cache.

On this project's hardware an ORM query costs about a millisecond, so the hot
read path (every authenticated request loads the user; `me/` shows wallet,
streak, equipped items, freezes and boosts) reads one cache round trip instead
of several queries. See docs/benchmarks.md.

Two snapshots per user, read together with one `get_many` (with the catalog
tokens the request will need, apps/core/catalog_versions.py):
- the auth snapshot (`ua:<id>`): the user row, valid while the user-row token
  (`uva:<id>`) is the one it was built under. Only a change to the user row
  replaces that token, so a player's own completions and purchases do not
  cost the next request a query;
- the profile snapshot (`us:<id>`): wallet, streak, equipped items, freezes and
  boosts, valid while the user's token (`uv:<id>`) is the one it was built
  under; any change to those (or to the user row) replaces it. It is stored as
  the token and the pickled profile (`<token>|<pickle>`), and decoded only when a
  selector reads it (apps/core/deferred.py): a write or a list served from the
  response cache never does.
Tokens are replaced once the transaction that changed the rows commits
(apps/core/user_version.py; signals in apps.py). A builder reads the token
*before* reading the database, so a change that commits meanwhile leaves what
it built under an outdated token: never served. Time-dependent parts (boost
expiry, the streak as seen today) are computed at read time, so a snapshot
never needs a job to expire. A TTL bounds what the rule does not see (an admin
replacing an item image), and with the cache down every read simply falls
through to the database. Services never trust these values: they lock and
re-read the rows they change.
"""
import pickle
from functools import partial

from django.contrib.auth import get_user_model
from django.core.cache import cache

from apps.core import catalog_versions
from apps.core.deferred import defer_load, load_deferred
from apps.core.fastsql import fetch_one, fetch_with_siblings
from apps.core.user_version import AUTH_VERSION_KEY, VERSION_KEY, user_version_bump, user_version_settle

AUTH_KEY = "ua:{}"
SNAPSHOT_KEY = "us:{}"
TTL_SECONDS = 300
_RELATIONS = ("wallet", "streak")


def user_snapshot_invalidate(user_id: int, *, user_row: bool = False) -> None:
    """Forget the user's snapshots (and per-user cached responses): see apps/core/user_version.py."""
    user_version_bump(user_id, user_row=user_row)


def user_snapshot(user_id: int, *, counters=(), extra_keys=()) -> dict | None:
    """{"v": the user's token, "user": User, "profile": the profile snapshot still encoded
    (None when it is not current), "counts", "extra"}, or None if no such user.
    `counters`: rate-limit counters to count in the same cache round trip
    (apps/core/cache_pipeline.py); "counts" has their new values (None if not counted).
    `extra_keys`: other cache keys to read in that round trip; "extra" has {key: value or None}."""
    user_version_settle(user_id)
    keys = [AUTH_VERSION_KEY.format(user_id), AUTH_KEY.format(user_id), VERSION_KEY.format(user_id), SNAPSHOT_KEY.format(user_id)]
    found, _, counts = catalog_versions.read_and_count_with([*keys, *extra_keys], counters=counters)
    auth_version = catalog_versions.token_or_new(keys[0], found.get(keys[0]), ttl=None)
    version = catalog_versions.token_or_new(keys[2], found.get(keys[2]), ttl=None)
    auth = found.get(keys[1])
    if auth is not None and auth_version is not None and auth.get("v") == auth_version:
        user = auth["user"]
    else:
        user = fetch_one(get_user_model(), pk=user_id)  # User.objects.filter(pk=...).first()
        if user is None:
            return None
        if auth_version is not None:
            cache.set(keys[1], {"v": auth_version, "user": user}, TTL_SECONDS)
    return {
        "v": version,
        "user": user,
        "profile": _current_profile(found.get(keys[3]), version),
        "counts": counts,
        "extra": {key: found.get(key) for key in extra_keys},
    }


def _current_profile(entry, version: str | None) -> bytes | None:
    """The encoded profile of a stored `<token>|<pickle>` entry built under `version`, else None."""
    if version is None or type(entry) is not bytes:
        return None
    built_under, separator, profile = entry.partition(b"|")
    return profile if separator and built_under == version.encode() else None


def attach_snapshot(user, snapshot: dict) -> None:
    """Let the profile selectors use the snapshots instead of querying: the profile is
    decoded only when one of them reads it (`apps.core.deferred.load_deferred`)."""
    user.profile_snapshot_version = snapshot["v"]
    if snapshot["profile"] is not None:
        defer_load(user, partial(_open_profile, user, snapshot["profile"]))


def _open_profile(user, encoded: bytes) -> None:
    profile = pickle.loads(encoded)
    _set_relations(user, profile["wallet"], profile["streak"])
    if profile["inventory"] is not None:
        user.profile_inventory = profile["inventory"]
    if profile["boosts"] is not None:
        user.profile_boosts = profile["boosts"]


def _set_relations(user, wallet, streak) -> None:
    model = type(user)
    for name, obj in zip(_RELATIONS, (wallet, streak), strict=True):
        related = model._meta.get_field(name)  # a OneToOneRel
        related.field.remote_field.set_cached_value(user, obj)  # user.wallet (None: DoesNotExist)
        if obj is not None:
            related.field.set_cached_value(obj, user)


def _relations_loaded(user) -> bool:
    model = type(user)
    return all(model._meta.get_field(name).is_cached(user) for name in _RELATIONS)


def user_profile_load(user, *, store: bool = True) -> None:
    """Make sure `user.wallet` and `user.streak` are loaded (one query when the profile
    snapshot did not carry them), and keep them in the snapshot for the next request."""
    load_deferred(user)
    if _relations_loaded(user):
        return
    from apps.progression.models import Wallet
    from apps.streaks.models import Streak

    wallet, (streak,) = fetch_with_siblings(Wallet, pk=user.pk, siblings=(Streak,))
    if wallet is None:  # a user made outside registration (createsuperuser) may have no wallet
        streak = fetch_one(Streak, user_id=user.pk)
    _set_relations(user, wallet, streak)
    if store:
        _store(user)


def user_snapshot_add_extras(user, *, inventory: list, boosts: list) -> None:
    """Store the profile extras read for `user` in its snapshot."""
    load_deferred(user)
    user.profile_inventory, user.profile_boosts = inventory, boosts
    user_profile_load(user, store=False)
    _store(user)


def _store(user) -> None:
    """The profile snapshot, under the token the request authenticated with: if
    anything changed since, the stored copy is never served. Stored as
    `<token>|<pickle>` bytes, so that a reader checks the token without decoding it."""
    version = getattr(user, "profile_snapshot_version", None)
    if version is None or not _relations_loaded(user):
        return
    profile = {
        "wallet": _cached(user, "wallet"),
        "streak": _cached(user, "streak"),
        "inventory": getattr(user, "profile_inventory", None),
        "boosts": getattr(user, "profile_boosts", None),
    }
    encoded = version.encode() + b"|" + pickle.dumps(profile, pickle.HIGHEST_PROTOCOL)
    cache.set(SNAPSHOT_KEY.format(user.pk), encoded, TTL_SECONDS)


def _cached(user, name):
    return type(user)._meta.get_field(name).get_cached_value(user, None)
