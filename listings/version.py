"""The version of the public listing pages: the key of the copies shared between visitors.

Reading it costs a query (the newest `updated_at` of listings and organizations, from two
indexes), which is as much as the rest of serving a shared copy. So each process reuses
the version it read for LISTINGS_VERSION_SECONDS: a change saved by this process forgets
it at once (and again when its transaction commits, in case another thread read the old
one in between); a change saved by another process shows within that time.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

_lock = threading.Lock()
#: (version, monotonic time it was read), shared by the process's threads.
_remembered: tuple[str | None, float] = (None, 0.0)


def listings_version() -> str:
    """A token that changes whenever a public listing page may change.

    Every change to a listing goes through save() and moves its `updated_at`, and so does
    every change of an organization's verification or name; both maxima are read from
    indexes in one short query. What changes without them (a renamed skill) waits at most
    the visitors' cache time. Open listings also change with the date.
    """
    global _remembered
    version, read_at = _remembered
    now = time.monotonic()
    if version is not None and now - read_at < settings.LISTINGS_VERSION_SECONDS:
        return version
    version = _read()
    with _lock:
        _remembered = (version, now)
    return version


def forget_listings_version(**_signal) -> None:
    """Read the version afresh next time: now, and once the current transaction commits."""
    forget_now()
    transaction.on_commit(forget_now)


def forget_now() -> None:
    """Read the version afresh next time (tests start each case with this)."""
    global _remembered
    with _lock:
        _remembered = (None, 0.0)


def _read() -> str:
    from accounts.models import Organization
    from listings.models import Listing

    with connection.cursor() as cursor:
        cursor.execute(
            # Table names come from the models, not from input.
            f"SELECT (SELECT max(updated_at) FROM {Listing._meta.db_table}), "  # noqa: S608
            f"(SELECT max(updated_at) FROM {Organization._meta.db_table})"
        )
        listing_time, organization_time = cursor.fetchone()
    stamps = (t.timestamp() if t else 0 for t in (listing_time, organization_time))
    return "-".join(f"{stamp:.6f}" for stamp in stamps) + f"-{timezone.localdate().isoformat()}"
