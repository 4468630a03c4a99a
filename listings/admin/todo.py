"""What waits for the career center and for employers about listings (see backoffice.todo)."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.http import HttpRequest

from backoffice.todo import Todo, provides, waiting_since
from listings.admin.staff import ReportStatusFilter
from listings.links import moderation_queue_link
from listings.models import Listing, ListingReport
from notifications.links import admin_link


@provides("admin", order=10)
def listings_to_moderate(request: HttpRequest) -> list[Todo]:
    """The moderation queue and the open reports."""
    submitted = Q(status=Listing.Status.SUBMITTED)
    queue = Listing.objects.aggregate(
        count=Count("pk", filter=submitted), oldest=Min("submitted_at", filter=submitted)
    )
    reports = ListingReport.objects.filter(status=ListingReport.Status.OPEN).aggregate(
        count=Count("pk"), listings=Count("listing", distinct=True), oldest=Min("created_at")
    )
    return [
        Todo(
            count=queue["count"],
            one="listing waits for review",
            many="listings wait for review",
            url=moderation_queue_link(),
            detail=waiting_since(queue["oldest"]),
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


@provides("employer", order=20)
def listings_sent_back(request: HttpRequest) -> list[Todo]:
    """The organization's listings the career center sent back for changes."""
    count = (
        Listing.objects.filter(organization__in=request.user.employer_organizations())
        .filter(status=Listing.Status.CHANGES_REQUESTED)
        .count()
    )
    return [
        Todo(
            count=count,
            one="listing was sent back for changes: make them and submit it again",
            many="listings were sent back for changes: make them and submit them again",
            url=admin_link(
                "employer:listings_listing_changelist",
                filters={Listing._meta.get_field("status"): Listing.Status.CHANGES_REQUESTED},
            ),
        )
    ]
