"""Atom feed of open listings, for feed readers and job aggregators."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format

from listings.filters import ORDERINGS, SORT_NEWEST
from listings.models import Listing

FEED_SIZE = 50


class OpenListingsFeed(Feed):
    """The 50 most recently published listings still accepting applications."""

    feed_type = Atom1Feed
    title = "Open projects on MicroIntern"
    subtitle = "Short, paid micro-internships for students, newest first."

    def link(self) -> str:
        return reverse("listings:list")

    def feed_url(self) -> str:
        return reverse("listings:feed")

    def items(self):
        return Listing.objects.open().with_card_data().order_by(*ORDERINGS[SORT_NEWEST])[:FEED_SIZE]

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
