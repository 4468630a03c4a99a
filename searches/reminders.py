"""Saved-search alerts: a digest of new matching projects, daily or weekly, per saved search.

The rule runs with every reminder run (beat and `manage.py send_reminders`), in one
transaction. A search is due when its period has passed since its last digest (or since it
was saved); the digest lists the open listings published since then that match and that
the student has not applied to. No match, no email, and the search stays due until one
appears. Searches nobody visited for 90 days are paused first, with one email saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Category
from notifications.reminders import Reminder, register
from searches.models import SavedSearch

ALERT_KIND = "listings.saved_search_alert"
PAUSED_KIND = "listings.saved_search_paused"
#: Listings one digest shows; the rest are a link to the search.
DIGEST_SIZE = 10


def _manage_url() -> str:
    return settings.SITE_URL + reverse("searches:list")


@register("listings.saved_search_alerts")
def saved_search_alerts() -> Iterator[Reminder]:
    """One digest per due saved search with new matches; one notice per student paused now."""
    now = timezone.now()
    pause_days = SavedSearch.PAUSE_AFTER.days

    paused = sorted(SavedSearch.pause_inactive(now), key=lambda search: search.user_id)
    for _user_id, group in groupby(paused, key=lambda search: search.user_id):
        searches = list(group)
        person = searches[0].user
        yield Reminder(
            to=person.email,
            recipient=person,
            kind=PAUSED_KIND,
            category=Category.ALERTS,
            dedupe_key=f"{PAUSED_KIND}:{person.pk}:{now.date().isoformat()}",
            template="searches/email/alert_paused",
            context={
                "person": person,
                "searches": [search.description for search in searches],
                "pause_days": pause_days,
                "keep_alive_url": SavedSearch.keep_alive_url(person.pk),
                "manage_url": _manage_url(),
            },
            link=reverse("searches:list"),
        )

    for search in SavedSearch.objects.due_for_alert(now).select_related("user").order_by("pk"):
        new = search.new_listings(now).with_card_data()
        listings = list(new[: DIGEST_SIZE + 1])
        if not listings:
            continue
        total = len(listings) if len(listings) <= DIGEST_SIZE else new.count()
        person = search.user
        yield Reminder(
            to=person.email,
            recipient=person,
            kind=ALERT_KIND,
            category=Category.ALERTS,
            dedupe_key=f"{ALERT_KIND}:{search.pk}:{search.period_key(now)}",
            template="searches/email/alert",
            context={
                "person": person,
                "search": search,
                "description": search.description,
                "listings": listings[:DIGEST_SIZE],
                "total": total,
                "more": total - min(total, DIGEST_SIZE),
                "search_url": settings.SITE_URL + search.get_absolute_url(),
                "manage_url": _manage_url(),
                "keep_alive_url": SavedSearch.keep_alive_url(person.pk),
                "pause_days": pause_days,
            },
            link=search.get_absolute_url(),
        )
        # Runs once the digest is in the outbox, in the same transaction as it.
        search.record_sent(now)
