"""What waits for the career center and for employers about listings (see backoffice.todo)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from backoffice.todo import Todo, day, overview, provides, waiting_since
from listings.admin.staff import ReportStatusFilter
from listings.links import moderation_queue_link
from listings.models import Listing, ListingEvent, ListingReport
from notifications.links import admin_link

#: How many listings a line names in its detail before it says "and N more".
NAMED = 3


def named(parts: list[str]) -> str:
    """'“A”: why; “B”: why; and 2 more' for a line's detail."""
    rest = len(parts) - NAMED
    return "; ".join(parts[:NAMED]) + (f"; and {rest} more" if rest > 0 else "")


@provides("admin", order=10)
def listings_to_moderate(request: HttpRequest) -> list[Todo]:
    """The moderation queue (riskiest first on its page) and the open reports."""
    submitted = Q(status=Listing.Status.SUBMITTED)
    queue = Listing.objects.aggregate(
        count=Count("pk", filter=submitted),
        oldest=Min("submitted_at", filter=submitted),
        risky=Count("pk", filter=submitted & Q(risk_score__gt=0)),
    )
    reports = ListingReport.objects.filter(status=ListingReport.Status.OPEN).aggregate(
        count=Count("pk"), listings=Count("listing", distinct=True), oldest=Min("created_at")
    )
    risky = ""
    if queue["risky"]:
        one = queue["risky"] == 1
        risky = (
            f" {queue['risky']} {'has' if one else 'have'} risk signals "
            f"and {'comes' if one else 'come'} first."
        )
    return [
        Todo(
            count=queue["count"],
            one="listing waits for review",
            many="listings wait for review",
            url=moderation_queue_link(),
            detail=waiting_since(queue["oldest"]) + risky,
        ),
        Todo(
            count=reports["count"],
            one="report of a suspicious listing is open",
            many="reports of suspicious listings are open",
            url=admin_link(
                "admin:listings_listingreport_changelist",
                filters={ReportStatusFilter: ListingReport.Status.OPEN},
            ),
            detail=(
                f"On {reports['listings']} listing{'s' if reports['listings'] != 1 else ''}. "
                + waiting_since(reports["oldest"])
            ),
        ),
    ]


def _own_listings(request: HttpRequest):
    return Listing.objects.filter(organization__in=request.user.employer_organizations())


@provides("employer", order=20)
def listings_sent_back(request: HttpRequest) -> list[Todo]:
    """The organization's listings sent back for changes, each with the career center's words."""
    last_request = ListingEvent.objects.filter(
        listing=OuterRef("pk"), to_status=Listing.Status.CHANGES_REQUESTED
    ).order_by("-created_at", "-pk")
    sent_back = list(
        _own_listings(request)
        .filter(status=Listing.Status.CHANGES_REQUESTED)
        .annotate(staff_note=Subquery(last_request.values("note")[:1]))
        .order_by("updated_at", "pk")
        .values_list("pk", "title", "staff_note")
    )
    status = Listing._meta.get_field("status")
    url = admin_link(
        "employer:listings_listing_changelist", filters={status: Listing.Status.CHANGES_REQUESTED}
    )
    if len(sent_back) == 1:
        url = reverse("employer:listings_listing_change", args=[sent_back[0][0]])
    detail = named(
        [f"“{title}”: {note}" if note else f"“{title}”" for _pk, title, note in sent_back]
    )
    return [
        Todo(
            count=len(sent_back),
            one="listing was sent back for changes: make them and submit it again",
            many="listings were sent back for changes: make them and submit them again",
            url=url,
            detail=detail,
        )
    ]


def deadline_soon() -> datetime.date:
    """Listings whose application deadline is before this close soon (the first deadline
    reminder students get, REMINDER_DEADLINE_HOURS, looks as far ahead)."""
    days = -(-max(settings.REMINDER_DEADLINE_HOURS) // 24)
    return timezone.localdate() + datetime.timedelta(days=days)


@provides("employer", order=30)
def listings_short_of_applicants(request: HttpRequest) -> list[Todo]:
    """Published listings that close soon with fewer applicants than openings."""
    short = list(
        _own_listings(request)
        .filter(
            status=Listing.Status.PUBLISHED,
            application_deadline__gte=timezone.localdate(),
            application_deadline__lte=deadline_soon(),
        )
        .annotate(applicants=Count("applications"))
        .filter(applicants__lt=F("openings"))
        .order_by("application_deadline", "pk")
        .values_list("pk", "title", "application_deadline")
    )
    url = (
        admin_link("employer:listings_listing_changelist")
        + "?id__in="
        + ",".join(str(pk) for pk, _title, _deadline in short)
    )
    if len(short) == 1:
        url = reverse("employer:listings_listing_change", args=[short[0][0]])
    return [
        Todo(
            count=len(short),
            one="listing closes soon with fewer applicants than openings",
            many="listings close soon with fewer applicants than openings",
            url=url,
            detail=named([f"“{title}” closes {day(deadline)}" for _pk, title, deadline in short])
            + ". Share its link, or give students more time.",
        )
    ]


@overview("employer", order=10)
def listings_by_status(request: HttpRequest) -> list[Todo]:
    """How many of the organization's listings are in each status; the first step if none."""
    counts = dict(
        _own_listings(request)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    if not counts:
        return [
            Todo(
                count=0,
                one="Post your first project",
                many="Post your first project",
                url=reverse("employer:listings_listing_add"),
                detail="Describe the work, the fee and the dates; the career center reviews it "
                "before students see it.",
                always=True,
            )
        ]
    status = Listing._meta.get_field("status")
    return [
        Todo(
            count=counts[value],
            one=f"{label.lower()}",
            many=f"{label.lower()}",
            url=admin_link("employer:listings_listing_changelist", filters={status: value}),
        )
        for value, label in Listing.Status.choices
        if counts.get(value)
    ]
