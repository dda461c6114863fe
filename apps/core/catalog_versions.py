"""Catalog version tokens in the shared cache, read at most once per request.

A catalog that processes keep in memory (the shop's items, the achievements)
is valid while its version token in the shared cache is unchanged; any change
to the catalog replaces the token (`bump`). Reading a token is a cache round
trip, and one request may need a token several times (the response cache, the
unlock check, the shop's list), so during a request the tokens are kept once
read, and authentication fetches all of them in the same `get_many` as the
user's snapshot (`read_with`). A request sees each catalog as it was when the
request first read its token, as if it had read the catalog then, and sees
its own changes at once. Outside a request (commands, workers) nothing is
kept: every read asks the cache.

Apps register their tokens when their module loads: `register(key, ttl)`.
A token missing from the cache is created (the catalog's next load builds
under it); a random token, not a counter, so a token lost and created again
never equals what a process remembers.
"""
import threading
import uuid

from django.core.cache import cache
from django.core.signals import request_finished, request_started

from .cache_pipeline import read_and_count, tokens_store

_ttls: dict[str, int | None] = {}
_local = threading.local()


def register(key: str, *, ttl: int | None) -> None:
    _ttls[key] = ttl


def registered() -> tuple[str, ...]:
    return tuple(_ttls)


def _kept() -> dict | None:
    return getattr(_local, "versions", None)


def _start(**kwargs) -> None:
    _local.versions = {}


def _end(**kwargs) -> None:
    _local.versions = None


request_started.connect(_start, dispatch_uid="catalog-versions-start")
request_finished.connect(_end, dispatch_uid="catalog-versions-end")


def token_or_new(key: str, found: str | None, *, ttl: int | None) -> str | None:
    """`found` (the token the cache held under `key`), or when it held none a new random
    token stored there (if another process stored one first, theirs); None when the cache
    is unreachable. Also the per-user tokens' (apps/profiles/cache.py)."""
    if found is not None:
        return found
    cache.add(key, uuid.uuid4().hex, ttl)
    return cache.get(key)


def read_with(other_keys: list[str], catalog_keys=None) -> tuple[dict, list[str | None]]:
    """One `get_many` for `other_keys` and the catalog tokens not yet kept by this
    request (all registered ones by default). Returns (what the cache held of
    `other_keys`, the catalog tokens in `catalog_keys` order, None where the
    cache is unreachable)."""
    found, versions, _ = read_and_count_with(other_keys, catalog_keys)
    return found, versions


def read_and_count_with(other_keys: list[str], catalog_keys=None, counters=()):
    """`read_with`, plus rate-limit counters counted in the same round trip
    (apps/core/cache_pipeline.py): (found, versions, counts or None)."""
    catalog_keys = registered() if catalog_keys is None else tuple(catalog_keys)
    kept = _kept()
    known = kept if kept is not None else {}
    wanted = [k for k in catalog_keys if k not in known]
    if not (other_keys or wanted or counters):
        # Every token asked for is kept already (the usual case after authentication).
        return {}, [known[k] for k in catalog_keys], None
    found, counts = read_and_count([*other_keys, *wanted], counters)
    versions = {k: known.get(k) for k in catalog_keys}
    for key in wanted:
        token = versions[key] = token_or_new(key, found.pop(key, None), ttl=_ttls.get(key))
        if token is not None and kept is not None:
            kept[key] = token
    return found, [versions[k] for k in catalog_keys], counts


def version(key: str) -> str | None:
    """The catalog's current token (kept for the rest of the request); None when the cache is unreachable."""
    return read_with([], (key,))[1][0]


def bump(key: str) -> None:
    """The catalog changed: a new token, seen at once by this request."""
    token = uuid.uuid4().hex
    tokens_store({key: token}, _ttls.get(key))
    kept = _kept()
    if kept is not None:
        kept[key] = token


def forget() -> None:
    """Drop what this thread kept (tests clearing the cache)."""
    kept = _kept()
    if kept is not None:
        kept.clear()
