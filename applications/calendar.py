"""A student's deadlines as an iCalendar file (.ics)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from applications.models import Application

#: Engagements in which the student still has to hand in the work.
WORK_DUE = {Application.Status.ACCEPTED, Application.Status.REVISION_REQUESTED}
#: A timed deadline is shown as a short event ending at that moment.
REMINDER_LENGTH = datetime.timedelta(minutes=30)


def deadline_events(application: Application) -> list[dict]:
    """The deadlines one application puts in the student's calendar."""
    listing = application.listing
    organization = listing.organization.name
    if application.status in Application.PRE_OFFER:
        return [
            {
                "kind": "deadline",
                "summary": f"Applications close: {listing.title} ({organization})",
                "date": listing.application_deadline,
                "description": (
                    f"{organization} decides after applications close. "
                    "Your application is in; nothing to do until then."
                ),
            }
        ]
    if application.status == Application.Status.OFFERED and application.offer_expires_at:
        return [
            {
                "kind": "offer",
                "summary": f"Respond to the offer: {listing.title} ({organization})",
                "at": application.offer_expires_at,
                "description": "Accept or decline the offer before it expires.",
            }
        ]
    if application.status in WORK_DUE:
        return [
            {
                "kind": "due",
                "summary": f"Work due: {listing.title} ({organization})",
                "date": listing.due_date,
                "description": "Submit your work on MicroIntern by the end of this day.",
            }
        ]
    return []


def deadlines_calendar(
    applications: Iterable[Application],
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
    for application in applications:
        url = absolute(application.get_absolute_url())
        for item in deadline_events(application):
            event = Event()
            event.add("uid", f"application-{application.pk}-{item['kind']}@{domain}")
            event.add("dtstamp", now)
            event.add("summary", item["summary"])
            event.add("description", f"{item['description']}\n{url}")
            event.add("url", url)
            if "date" in item:
                event.add("dtstart", item["date"])
                # An all-day event without an end lasts that one day (RFC 5545 3.6.1): the
                # last day a date can hold (9999-12-31) has no day after it to end on.
                if item["date"] < datetime.date.max:
                    event.add("dtend", item["date"] + datetime.timedelta(days=1))
                event.add("transp", "TRANSPARENT")
            else:
                event.add("dtstart", item["at"] - REMINDER_LENGTH)
                event.add("dtend", item["at"])
            calendar.add_component(event)
    return calendar.to_ical()
