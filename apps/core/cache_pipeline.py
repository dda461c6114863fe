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
"""
import logging

from django.core.cache import DEFAULT_CACHE_ALIAS, caches

logger = logging.getLogger("dreamtrack.cache")


def _redis_client(cache):
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return client, (get_client(write=True) if get_client is not None else None)


def read_and_count(keys: list[str], counters=()) -> tuple[dict, dict[str, tuple[int, int]] | None]:
    """(what the cache holds of `keys`, {counter key: (its value after adding one, the previous
    window's value)} or None when the counters were not counted here).
    `counters`: (this window's key, the previous window's key, seconds to live)."""
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
