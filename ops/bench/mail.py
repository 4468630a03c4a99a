"""A mail backend for the reminder fan-out benchmark: counts messages in Redis, sends nothing.

Each message increments a counter and adds a digest of (recipient, subject, body) to a set,
so the benchmark reads how many were sent and how many of them were duplicates; each
connection opened increments another counter.
"""

from __future__ import annotations

import functools
import hashlib
import os

import redis
from django.core.mail.backends.base import BaseEmailBackend

COUNTER_KEY = "bench:mail:sent"
DIGESTS_KEY = "bench:mail:digests"
CONNECTIONS_KEY = "bench:mail:connections"


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(os.environ["BENCH_MAIL_REDIS_URL"])


class CountingBackend(BaseEmailBackend):
    """Counts every message it is given (one Redis round trip per batch) and every open()."""

    def open(self) -> bool:
        client().incr(CONNECTIONS_KEY)
        return True

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        with client().pipeline(transaction=False) as pipe:
            for message in email_messages:
                digest = hashlib.sha256(
                    "\0".join([",".join(message.to), message.subject, message.body]).encode()
                ).hexdigest()
                pipe.sadd(DIGESTS_KEY, digest)
            pipe.incrby(COUNTER_KEY, len(email_messages))
            pipe.execute()
        return len(email_messages)


def reset() -> None:
    connection = client()
    connection.delete(COUNTER_KEY, DIGESTS_KEY, CONNECTIONS_KEY)


def counts() -> tuple[int, int]:
    """(messages sent, distinct messages)."""
    connection = client()
    return int(connection.get(COUNTER_KEY) or 0), int(connection.scard(DIGESTS_KEY))


def connections() -> int:
    """Mail connections opened."""
    return int(client().get(CONNECTIONS_KEY) or 0)
