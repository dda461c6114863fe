"""Cache reads and counter increments in one round trip.

Every authenticated request reads the user's snapshots and the catalog tokens
(apps/profiles/cache.py, apps/core/catalog_versions.py) and then counts itself
against its rate limits (apps/core/throttling.py): with Redis these go as one
pipeline (`MGET`, then `INCR` + `EXPIRE ... NX` per counter), so a request
pays one cache round trip before its view runs instead of two or three.

Counters are the throttles' window counters (apps/core/throttling.py), stored as
django-redis stores integers (so `cache.incr` and this agree): this window's is counted
and the previous window's read. With another cache backend
(the in-process one of a development machine) only the reads are done here
and the throttles count for themselves; with Redis unreachable nothing is
read or counted, as the cache's IGNORE_EXCEPTIONS would have it.

Token writes that Redis did not take (`tokens_store`): a version token replaced while
Redis is unreachable (apps/core/user_version.py, apps/core/catalog_versions.py) is
remembered in this process and written before its next cache read (or with its next
token write). Without that, a Redis that comes back with its data (a restart with
persistence, a network partition that heals) would still hold the token from before the
change, and every process would serve what was cached under it until the entries expire.
"""
import logging
import threading

from django.core.cache import DEFAULT_CACHE_ALIAS, caches

logger = logging.getLogger("dreamtrack.cache")


def _redis_client(cache):
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return client, (get_client(write=True) if get_client is not None else None)


# key -> (token, seconds to live): replacements Redis did not take, newest per key.
_owed: dict[str, tuple[str, int | None]] = {}
_owed_lock = threading.Lock()
OWED_LIMIT = 100_000


def _write(values: dict, ttl: int | None) -> bool:
    """`set_many`, False when the cache is unreachable (django-redis with IGNORE_EXCEPTIONS
    would swallow that: its client is asked directly)."""
    cache = caches[DEFAULT_CACHE_ALIAS]
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        cache.set_many(values, ttl)
        return True
    try:
        if len(values) == 1:  # one SET, as `cache.set` sends (set_many adds MULTI/EXEC)
            [(key, value)] = values.items()
            client.set(key, value, timeout=ttl)
        else:
            client.set_many(values, timeout=ttl)
    except Exception:  # noqa: BLE001 - Redis unreachable: owed (see the module docstring)
        logger.warning("cache unreachable: %d token(s) owed", len(values))
        return False
    return True


def tokens_store(values: dict[str, str], ttl: int | None) -> None:
    """Write replaced version tokens; while the cache is unreachable they are owed, and
    written before this process's next cache read, or with its next token write (a worker
    that never reads through here)."""
    if _write(values, ttl):
        if _owed:
            _pay_owed()
        return
    with _owed_lock:
        if len(_owed) < OWED_LIMIT:
            _owed.update({key: (token, ttl) for key, token in values.items()})


def tokens_owed() -> dict[str, tuple[str, int | None]]:
    return dict(_owed)


def tokens_owed_forget() -> None:
    """Drop the owed writes (tests, as they clear the cache)."""
    with _owed_lock:
        _owed.clear()


def _pay_owed() -> None:
    with _owed_lock:
        owed = dict(_owed)
    by_ttl: dict[int | None, dict[str, str]] = {}
    for key, (token, ttl) in owed.items():
        by_ttl.setdefault(ttl, {})[key] = token
    for ttl, values in by_ttl.items():
        if not _write(values, ttl):
            return  # still down: the read that follows degrades as well
        with _owed_lock:
            for key, token in values.items():
                if _owed.get(key, (None,))[0] == token:  # not replaced again meanwhile
                    del _owed[key]


def read_and_count(keys: list[str], counters=()) -> tuple[dict, dict[str, tuple[int, int]] | None]:
    """(what the cache holds of `keys`, {counter key: (its value after adding one, the previous
    window's value)} or None when the counters were not counted here).
    `counters`: (this window's key, the previous window's key, seconds to live)."""
    if _owed:
        _pay_owed()
    # The cache itself, once: `django.core.cache.cache` looks it up again on every attribute.
    cache = caches[DEFAULT_CACHE_ALIAS]
    if not counters:
        return (cache.get_many(keys) if keys else {}), None
    try:
        wrapper, redis = _redis_client(cache)
    except Exception:  # noqa: BLE001 - the cache is down: as IGNORE_EXCEPTIONS
        logger.warning("cache unreachable", exc_info=True)
        return {}, None
    if redis is None:
        return (cache.get_many(keys) if keys else {}), None
    try:
        pipe = redis.pipeline(transaction=False)
        if keys:
            pipe.mget([cache.make_key(k) for k in keys])
        for key, previous, ttl in counters:
            raw = cache.make_key(key)
            pipe.incr(raw)
            pipe.expire(raw, ttl, nx=True)
            pipe.get(cache.make_key(previous))
        results = pipe.execute()
    except Exception:  # noqa: BLE001 - a Redis outage degrades to "no cache", never a 500
        logger.warning("cache unreachable", exc_info=True)
        return {}, None
    found = {}
    if keys:
        values = results.pop(0)
        found = {k: wrapper.decode(v) for k, v in zip(keys, values, strict=True) if v is not None}
    counts = {
        key: (int(results[3 * i]), int(results[3 * i + 2] or 0)) for i, (key, _previous, _ttl) in enumerate(counters)
    }
    return found, counts
