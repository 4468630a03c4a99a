"""Atom feed of open listings, for feed readers and job aggregators."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format

from listings.filters import ORDERINGS, SORT_NEWEST
from listings.models import Listing

FEED_SIZE = 50
#: What an entry shows of a listing (with its organization, industry and skills).
FEED_FIELDS = [
    "title",
    "slug",
    "summary",
    "fee",
    "currency",
    "estimated_hours",
    "hourly_rate",
    "location_type",
    "application_deadline",
    "published_at",
    "created_at",
    "updated_at",
    "organization__name",
    "industry__name",
]
#: The date in the feed's tag: URIs (RFC 4151): when the site began minting them. It never
#: changes, so ids stay the same whatever host or path the feed is read from.
TAG_DATE = "2026-01-01"


def tag_uri(specific: str, *, date: str = TAG_DATE) -> str:
    """A tag: URI on the site's own domain, the stable id Atom asks for (RFC 4287 4.2.6)."""
    return f"tag:{urlsplit(settings.SITE_URL).hostname},{date}:{specific}"


class OpenListingsFeed(Feed):
    """The 50 most recently published listings still accepting applications."""

    feed_type = Atom1Feed
    title = "Open projects on MicroIntern"
    subtitle = "Short, paid micro-internships for students, newest first."
    author_name = "MicroIntern"
    item_guid_is_permalink = False

    def link(self) -> str:
        return reverse("listings:list")

    def feed_url(self) -> str:
        return reverse("listings:feed")

    def items(self):
        # Only the columns an entry prints: not the descriptions, the largest of a listing.
        return (
            Listing.objects.open()
            .select_related("organization", "industry")
            .prefetch_related("skills")
            .only(*FEED_FIELDS)
            .order_by(*ORDERINGS[SORT_NEWEST])[:FEED_SIZE]
        )

    def feed_guid(self) -> str:
        return tag_uri("listings/open")

    def item_guid(self, item: Listing) -> str:
        # Its creation date and number: unchanged by edits to the title, slug or status.
        return tag_uri(f"listing/{item.pk}", date=item.created_at.date().isoformat())

    def item_title(self, item: Listing) -> str:
        return item.title

    def item_description(self, item: Listing) -> str:
        deadline = date_format(item.application_deadline, "j F Y")
        return (
            f"{item.summary} {item.organization.name} pays {item.fee} {item.currency} "
            f"for about {item.estimated_hours} hours ({item.hourly_rate} {item.currency} an hour), "
            f"{item.get_location_type_display().lower()}. Apply by {deadline}."
        )

    def item_author_name(self, item: Listing) -> str:
        return item.organization.name

    def item_categories(self, item: Listing) -> list[str]:
        return [item.industry.name, *(skill.name for skill in item.skills.all())]

    def item_pubdate(self, item: Listing) -> datetime.datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Listing) -> datetime.datetime:
        return item.updated_at
