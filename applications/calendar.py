"""A student's deadlines as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

Each event keeps one `UID` for its whole life, so a calendar that reads the feed again
updates the event instead of adding a second one. Its `SEQUENCE` follows the listing's
`revision`, which every material edit (the dates among them) raises and nothing lowers,
plus one once the event is cancelled: calendars that compare sequences (Google, Outlook)
then take the new date. An event that is called off (the student withdrew, the offer was
declined or lapsed, the project was cancelled) stays in the feed as `STATUS:CANCELLED` for
`CANCELLED_KEPT`, so calendars that imported it remove it; one whose step is simply done
(the student applied, the offer was accepted, the work handed in) leaves the feed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from applications.models import Application
from listings.models import Listing, SavedListing

#: Engagements in which the student still has to hand in the work.
WORK_DUE = {Application.Status.ACCEPTED, Application.Status.REVISION_REQUESTED}
#: A timed deadline is shown as a short event ending at that moment.
REMINDER_LENGTH = datetime.timedelta(minutes=30)
#: How long a called-off event stays in the feed as cancelled before it leaves it.
CANCELLED_KEPT = datetime.timedelta(days=30)
#: How often subscribed calendars are asked to read the feed again (RFC 7986).
REFRESH_INTERVAL = datetime.timedelta(hours=6)

S = Application.Status


@dataclass(frozen=True)
class Deadline:
    """One event of the feed."""

    uid: str
    summary: str
    description: str
    path: str
    sequence: int
    last_modified: datetime.datetime
    date: datetime.date | None = None
    at: datetime.datetime | None = None
    cancelled: bool = False


def _listing_sequence(listing: Listing, cancelled: bool) -> int:
    # Revisions start at 1 and only rise; a cancellation is one change more.
    return max(listing.revision - 1, 0) + (1 if cancelled else 0)


def application_deadlines(application: Application, *, since: datetime.datetime) -> list[Deadline]:
    """The events one application puts in the student's calendar (`since`: cancelled kept)."""
    listing = application.listing
    organization = listing.organization.name
    status = application.status
    recent = application.updated_at >= since
    listing_cancelled = listing.status == Listing.Status.CANCELLED
    modified = max(application.updated_at, listing.updated_at)
    path = application.get_absolute_url()
    events: list[Deadline] = []

    def add(kind: str, summary: str, description: str, *, cancelled: bool, **when) -> None:
        if cancelled:
            summary = f"Cancelled: {summary}"
            sequence = _listing_sequence(listing, True) if "date" in when else 1
        else:
            sequence = _listing_sequence(listing, False) if "date" in when else 0
        events.append(
            Deadline(
                uid=f"application-{application.pk}-{kind}",
                summary=summary,
                description=description,
                path=path,
                sequence=sequence,
                last_modified=modified,
                cancelled=cancelled,
                **when,
            )
        )

    closes = f"Applications close: {listing.title} ({organization})"
    if status in Application.PRE_OFFER and not listing_cancelled:
        add(
            "deadline",
            closes,
            f"{organization} decides after applications close. "
            "Your application is in; nothing to do until then.",
            cancelled=False,
            date=listing.application_deadline,
        )
    elif (
        recent
        and application.offered_at is None
        and (
            status == S.WITHDRAWN
            or (status in Application.PRE_OFFER | {S.NOT_SELECTED} and listing_cancelled)
        )
    ):
        reason = (
            "You withdrew this application."
            if status == S.WITHDRAWN
            else f"{organization} cancelled the project."
        )
        add("deadline", closes, reason, cancelled=True, date=listing.application_deadline)

    respond = f"Respond to the offer: {listing.title} ({organization})"
    if status == S.OFFERED and application.offer_expires_at:
        add(
            "offer",
            respond,
            "Accept or decline the offer before it expires.",
            cancelled=False,
            at=application.offer_expires_at,
        )
    elif (
        recent
        and application.offered_at is not None
        and application.offer_expires_at is not None
        and status in {S.DECLINED, S.OFFER_EXPIRED, S.WITHDRAWN}
    ):
        reason = {
            S.DECLINED: "You declined the offer.",
            S.OFFER_EXPIRED: (
                f"{organization} cancelled the project."
                if listing_cancelled
                else "The offer was not answered in time."
            ),
            S.WITHDRAWN: "You withdrew this application.",
        }[status]
        add("offer", respond, reason, cancelled=True, at=application.offer_expires_at)

    due = f"Work due: {listing.title} ({organization})"
    if status in WORK_DUE and not listing_cancelled:
        add(
            "due",
            due,
            "Submit your work on MicroIntern by the end of this day.",
            cancelled=False,
            date=listing.due_date,
        )
    elif recent and application.accepted_at is not None and listing_cancelled:
        add(
            "due",
            due,
            f"{organization} cancelled the project.",
            cancelled=True,
            date=listing.due_date,
        )
    return events


def saved_deadline(saved: SavedListing) -> Deadline:
    """The application deadline of a listing the student saved and has not applied to."""
    listing = saved.listing
    organization = listing.organization.name
    cancelled = listing.status == Listing.Status.CANCELLED
    summary = f"Apply by: {listing.title} ({organization})"
    return Deadline(
        uid=f"saved-{listing.pk}-deadline",
        summary=f"Cancelled: {summary}" if cancelled else summary,
        description=(
            f"{organization} cancelled the project."
            if cancelled
            else "You saved this project. Applications close at the end of this day."
        ),
        path=listing.get_absolute_url(),
        sequence=_listing_sequence(listing, cancelled),
        last_modified=max(listing.updated_at, saved.created_at),
        date=listing.application_deadline,
        cancelled=cancelled,
    )


def student_deadlines(user, *, now: datetime.datetime | None = None) -> list[Deadline]:
    """Every event of one student's feed, in two queries however many there are."""
    now = now or timezone.now()
    since = now - CANCELLED_KEPT
    applications = (
        Application.objects.for_student(user)
        .filter(Q(status__in=Application.PRE_ACCEPTANCE | WORK_DUE) | Q(updated_at__gte=since))
        .select_related("listing__organization")
        .order_by("created_at", "pk")
    )
    saved = (
        SavedListing.objects.filter(user=user)
        .exclude(listing__applications__student=user)
        .filter(
            Q(listing__in=Listing.objects.open())
            | Q(listing__status=Listing.Status.CANCELLED, listing__closed_at__gte=since)
        )
        .select_related("listing__organization")
        .order_by("listing__application_deadline", "pk")
    )
    deadlines = [event for a in applications for event in application_deadlines(a, since=since)]
    deadlines += [saved_deadline(s) for s in saved]
    return deadlines


def deadlines_calendar(
    deadlines: list[Deadline],
    *,
    absolute: Callable[[str], str],
    now: datetime.datetime | None = None,
) -> bytes:
    """Build the calendar; `absolute` turns a path into a full URL for each event's link."""
    now = now or timezone.now()
    domain = urlsplit(settings.SITE_URL).hostname or "microintern"
    calendar = Calendar()
    calendar.add("prodid", "-//MicroIntern//Student deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "MicroIntern deadlines")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # Outlook's older name for the same; an X- property is text unless written as a duration.
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL).to_ical().decode())
    for item in deadlines:
        url = absolute(item.path)
        event = Event()
        event.add("uid", f"{item.uid}@{domain}")
        event.add("dtstamp", now)
        event.add("last-modified", item.last_modified)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("summary", item.summary)
        event.add("description", f"{item.description}\n{url}")
        event.add("url", url)
        if item.date is not None:
            event.add("dtstart", item.date)
            # An all-day event without an end lasts that one day (RFC 5545 3.6.1): the
            # last day a date can hold (9999-12-31) has no day after it to end on.
            if item.date < datetime.date.max:
                event.add("dtend", item.date + datetime.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        elif item.at is not None:
            event.add("dtstart", item.at - REMINDER_LENGTH)
            event.add("dtend", item.at)
        calendar.add_component(event)
    return calendar.to_ical()
