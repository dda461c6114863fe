"""redis-py runs on hiredis (requirements.txt): its C reply parser and command
packer instead of the pure-Python ones, on every cache round trip."""
import pytest
import redis.connection
from django.conf import settings
from django.core.cache import cache
from redis._parsers import _HiredisParser


def test_redis_py_picks_the_hiredis_parser_and_packer():
    assert redis.connection.HIREDIS_AVAILABLE
    assert redis.connection.DefaultParser is _HiredisParser
    connection = redis.connection.Connection()
    assert isinstance(connection._command_packer, redis.connection.HiredisRespSerializer)


@pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"], reason="the cache's own Redis connections need REDIS_URL"
)
def test_the_cache_talks_to_redis_through_hiredis():
    cache.set("hiredis-check", {"a": [1, 2]}, 30)
    assert cache.get("hiredis-check") == {"a": [1, 2]}
    pool = cache.client.get_client().connection_pool
    connection = pool.get_connection()
    try:
        assert isinstance(connection._parser, _HiredisParser)
    finally:
        pool.release(connection)
    cache.delete("hiredis-check")
