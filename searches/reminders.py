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
from notifications.reminders import Reminder, register, remind
from searches.models import SavedSearch

ALERT_KIND = "listings.saved_search_alert"
PAUSED_KIND = "listings.saved_search_paused"
#: Listings one digest shows; the rest are a link to the search.
DIGEST_SIZE = 10


def _links(person) -> dict:
    """What every alert email offers: where to manage the searches and how to keep them alive."""
    return {
        "manage_url": settings.SITE_URL + reverse("searches:list"),
        "keep_alive_url": SavedSearch.keep_alive_url(person.pk),
        "pause_days": SavedSearch.PAUSE_AFTER.days,
    }


@register("listings.saved_search_alerts")
def saved_search_alerts() -> Iterator[Reminder]:
    """One digest per due saved search with new matches; one notice per student paused now."""
    now = timezone.now()

    paused = sorted(SavedSearch.pause_inactive(now), key=lambda search: search.user_id)
    for _user_id, group in groupby(paused, key=lambda search: search.user_id):
        searches = list(group)
        person = searches[0].user
        yield remind(
            person,
            PAUSED_KIND,
            f"{PAUSED_KIND}:{person.pk}:{now.date().isoformat()}",
            "searches/email/alert_paused",
            {"searches": [search.description for search in searches], **_links(person)},
            reverse("searches:list"),
            category=Category.ALERTS,
        )

    for search in SavedSearch.objects.due_for_alert(now).select_related("user").order_by("pk"):
        new = search.new_listings(now).with_card_data()
        listings = list(new[: DIGEST_SIZE + 1])
        if not listings:
            continue
        total = len(listings) if len(listings) <= DIGEST_SIZE else new.count()
        context = {
            "search": search,
            "description": search.description,
            "listings": listings[:DIGEST_SIZE],
            "total": total,
            "more": total - min(total, DIGEST_SIZE),
            "search_url": settings.SITE_URL + search.get_absolute_url(),
            **_links(search.user),
        }
        yield remind(
            search.user,
            ALERT_KIND,
            f"{ALERT_KIND}:{search.pk}:{search.period_key(now)}",
            "searches/email/alert",
            context,
            search.get_absolute_url(),
            category=Category.ALERTS,
        )
        # Runs once the digest is in the outbox, in the same transaction as it.
        search.record_sent(now)
