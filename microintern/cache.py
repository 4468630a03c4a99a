"""The site's cache: Redis, degrading to "no cache" while Redis is unreachable."""

from __future__ import annotations

import time
from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

# After a connection failure, calls skip Redis for this long (seconds) instead of each
# waiting for its own timeout: a hung Redis must not make every request slow.
RETRY_AFTER = 5.0


class _FailFastClient:
    """Hands calls to the django-redis client, failing at once while Redis is marked down."""

    def __init__(self, client: Any, cache: ResilientRedisCache) -> None:
        self._client = client
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        # Closing makes no round trip to Redis, so it never waits on the breaker.
        if not callable(attribute) or name == "close":
            return attribute

        def call(*args, **kwargs):
            if self._cache.is_marked_down():
                raise ConnectionInterrupted(connection=None) from ConnectionError(
                    "Redis was unreachable moments ago"
                )
            try:
                return attribute(*args, **kwargs)
            except ConnectionInterrupted:
                self._cache.mark_down()
                raise

        return call


class ResilientRedisCache(RedisCache):
    """django-redis that behaves like Django's DummyCache while Redis is unreachable.

    With IGNORE_EXCEPTIONS, django-redis returns None from add() during an outage. Code that
    takes a lock with cache.add() reads that as "someone else holds the lock": allauth's rate
    limits then answer 429 to every sign-in and signup until Redis is back. Here add()
    answers True, as the dummy cache does, and after one failure the following calls skip
    Redis for RETRY_AFTER seconds rather than each waiting for the socket timeout.
    """

    # Shared by every thread's cache instance, per Redis location.
    _down_until: dict[str, float] = {}

    def is_marked_down(self) -> bool:
        return time.monotonic() < self._down_until.get(str(self._server), 0.0)

    def mark_down(self) -> None:
        self._down_until[str(self._server)] = time.monotonic() + RETRY_AFTER

    @property
    def client(self):
        return _FailFastClient(super().client, self)

    def add(self, *args, **kwargs) -> bool:
        try:
            return self.client.add(*args, **kwargs)
        except ConnectionInterrupted as error:
            if not self._ignore_exceptions:
                raise error.__cause__ from error
            if self._log_ignored_exceptions:
                self.logger.warning("Cache unreachable; add() treated as done.")
            return True
