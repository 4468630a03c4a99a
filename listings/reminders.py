"""Listing reminder rules: deadlines of saved listings, and the staff moderation digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from listings.links import moderation_queue_link
from listings.models import Listing, SavedListing
from notifications.reminders import Reminder, register, remind, remind_each


def pick_offset(remaining: float, offsets: list[int]) -> int | None:
    """The smallest offset the remaining time has reached (None: not due, or already past)."""
    if remaining <= 0:
        return None
    reached = [offset for offset in offsets if remaining <= offset]
    return min(reached) if reached else None


#: What a deadline reminder and its email show: nothing else is read, for what can be tens of
#: thousands of saved listings in one run (the query-count test guards against a field the
#: email starts to use without being listed here).
DEADLINE_FIELDS = (
    "listing",
    "listing__slug",
    "listing__title",
    "listing__application_deadline",
    "listing__fee",
    "listing__currency",
    "listing__estimated_hours",
    "listing__organization",
    "listing__organization__name",
    "user",
    "user__email",
    "user__first_name",
    "user__last_name",
)


@register("listings.deadline")
def deadline_reminders() -> Iterator[Reminder]:
    """Students who saved an open listing and have not applied: 72 h and 24 h before it closes."""
    now = timezone.now()
    offsets = settings.REMINDER_DEADLINE_HOURS
    horizon = (now + timedelta(hours=max(offsets))).date()
    saved = (
        SavedListing.objects.filter(
            listing__in=Listing.objects.open(),
            listing__application_deadline__lte=horizon,
            user__is_active=True,
        )
        # The applications app reaches listings through the reverse relation `applications`.
        .exclude(listing__applications__student=F("user"))
        .select_related("listing__organization", "user")
        .only(*DEADLINE_FIELDS)
    )
    # Streamed: the first reminders are stored and on their way before the last are read.
    for item in saved.iterator(chunk_size=500):
        listing = item.listing
        hours_left = (listing.deadline_at - now).total_seconds() / 3600
        offset = pick_offset(hours_left, offsets)
        if offset is None:
            continue
        yield remind(
            item.user,
            "listings.deadline",
            f"listings.deadline:{offset}h:{listing.pk}:{item.user_id}",
            "listings/email/deadline",
            {"listing": listing, "hours_left": round(hours_left)},
            listing.get_absolute_url(),
        )


def career_center_staff():
    """Active career-center staff who should receive digests."""
    return User.objects.filter(
        is_active=True, is_staff=True, groups__name=settings.CAREER_CENTER_GROUP
    ).distinct()


@register("listings.moderation_digest")
def moderation_digest() -> Iterator[Reminder]:
    """Once a day, staff get one list of listings waiting for review for more than 24 h."""
    cutoff = timezone.now() - timedelta(hours=settings.REMINDER_MODERATION_HOURS)
    waiting = list(
        Listing.objects.awaiting_moderation()
        .filter(submitted_at__lte=cutoff)
        .select_related("organization")
    )
    if not waiting:
        return
    yield from remind_each(
        career_center_staff(),
        "listings.moderation_digest",
        f"listings.moderation_digest:{timezone.localdate().isoformat()}",
        "listings/email/moderation_digest",
        {"listings": waiting, "now": timezone.now()},
        moderation_queue_link(),
    )
