"""The reminder rule of the fan-out benchmark: one deadline email per saved listing."""

from __future__ import annotations

import os
from collections.abc import Iterator

from notifications.reminders import Reminder

RULE = "bench.fanout"
#: Reminders one run queues (BENCH_FANOUT_COUNT overrides, for a quick trial).
COUNT = int(os.environ.get("BENCH_FANOUT_COUNT", "10000"))


def fanout_reminders() -> Iterator[Reminder]:
    """The first COUNT saved listings, each due a deadline reminder (the real email template)."""
    from listings.models import SavedListing
    from listings.reminders import DEADLINE_FIELDS

    saved = (
        SavedListing.objects.select_related("listing__organization", "user")
        .only(*DEADLINE_FIELDS)  # as the production rule reads them
        .order_by("pk")
    )
    for item in saved[:COUNT].iterator(chunk_size=500):
        listing = item.listing
        yield Reminder(
            to=item.user.email,
            recipient=item.user,
            kind=RULE,
            dedupe_key=f"{RULE}:{item.pk}",
            template="listings/email/deadline",
            context={"listing": listing, "person": item.user, "hours_left": 48},
            link=listing.get_absolute_url(),
        )
