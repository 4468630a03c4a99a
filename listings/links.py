"""Where emails send people in the admin sites for a listing (see notifications.links)."""

from __future__ import annotations

from listings.models import Listing, ListingReport
from notifications.links import admin_link


def moderation_queue_link() -> str:
    """The staff site's list of listings waiting for review."""
    # The back office sits on top of the models; it is read only when a link is built.
    from listings.admin import ListingStatusFilter

    return admin_link(
        "admin:listings_listing_changelist",
        filters={ListingStatusFilter: Listing.Status.SUBMITTED},
    )


def open_reports_link(listing: Listing) -> str:
    """The staff site's list of the open reports on one listing."""
    from listings.admin import ReportStatusFilter

    return admin_link(
        "admin:listings_listingreport_changelist",
        filters={
            ReportStatusFilter: ListingReport.Status.OPEN,
            ListingReport._meta.get_field("listing"): listing.pk,
        },
    )


def staff_listing_link(listing: Listing) -> str:
    """The listing's page in the staff site."""
    return admin_link("admin:listings_listing_change", args=[listing.pk])


def employer_listing_link(listing: Listing) -> str:
    """The listing's page in the employer site."""
    return admin_link("employer:listings_listing_change", args=[listing.pk])
