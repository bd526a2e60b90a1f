"""Django's Redis cache, kept answering while Redis is away.

The cache holds only counters and short-lived marks: API rate limits, sign-in failures, lookup
failures, unlock-code requests. With Django's own ``RedisCache`` a Redis outage turned each of
those reads into an exception, so every API call and sign-in answered 500 until Redis came back
(found by the fault tests on the production topology, ``docs/operations.md``). Here a call that
cannot reach Redis answers as an empty cache would — nothing found, nothing stored, a counter at
its first step — and the outage is logged (at most every ``LOG_EVERY`` seconds per process). The
limits are therefore not enforced for the length of the outage: availability of the public
service over a few minutes of unthrottled traffic, the choice django-redis offers as
``IGNORE_EXCEPTIONS``. Errors that are not about reaching Redis (a missing key for ``incr``, a
value that cannot be pickled) are raised as before.

Written here rather than taken from django-redis because the project uses Django's built-in
backend; this is a subclass of its client, not a second implementation.
"""

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
LOG_EVERY = 30.0
T = TypeVar("T")
_last_logged = 0.0


def _or(fallback: T, call: Callable[[], T], operation: str) -> T:
    global _last_logged
    try:
        return call()
    except UNREACHABLE as exc:
        now = time.monotonic()
        if now - _last_logged >= LOG_EVERY:
            _last_logged = now
            logger.error(
                "Redis cache unreachable (%s: %s); rate limits and lockouts are not counted "
                "until it is back",
                operation,
                exc,
            )
        return fallback


class ResilientRedisCacheClient(RedisCacheClient):
    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return _or(
            False, lambda: super(ResilientRedisCacheClient, self).add(key, value, timeout), "add"
        )

    def get(self, key: Any, default: Any) -> Any:
        return _or(default, lambda: super(ResilientRedisCacheClient, self).get(key, default), "get")

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        _or(None, lambda: super(ResilientRedisCacheClient, self).set(key, value, timeout), "set")

    def touch(self, key: Any, timeout: Any) -> bool:
        return _or(
            False, lambda: super(ResilientRedisCacheClient, self).touch(key, timeout), "touch"
        )

    def delete(self, key: Any) -> bool:
        return _or(False, lambda: super(ResilientRedisCacheClient, self).delete(key), "delete")

    def get_many(self, keys: Any) -> dict[Any, Any]:
        return _or({}, lambda: super(ResilientRedisCacheClient, self).get_many(keys), "get_many")

    def has_key(self, key: Any) -> bool:
        return _or(False, lambda: super(ResilientRedisCacheClient, self).has_key(key), "has_key")

    def incr(self, key: Any, delta: int) -> Any:
        # A counter that cannot be read starts again: the first step of a fresh counter.
        return _or(delta, lambda: super(ResilientRedisCacheClient, self).incr(key, delta), "incr")

    def set_many(self, data: Any, timeout: Any) -> None:
        _or(
            None, lambda: super(ResilientRedisCacheClient, self).set_many(data, timeout), "set_many"
        )

    def delete_many(self, keys: Any) -> None:
        _or(None, lambda: super(ResilientRedisCacheClient, self).delete_many(keys), "delete_many")


class ResilientRedisCache(RedisCache):
    """``CACHES["default"]["BACKEND"] = "tinhso.cache.ResilientRedisCache"``."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
