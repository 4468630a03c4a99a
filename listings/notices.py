"""What the organization's members and the career center are told when a listing changes."""

from __future__ import annotations

from django.urls import reverse

from listings.models import Listing, ListingEvent


def tell_organization(listing: Listing, kind: str, event: ListingEvent) -> None:
    """Tell the organization's members what the career center decided, and why."""
    if kind == "suspended" and event.actor_id is None:
        return  # Suspended by reports: tell_suspended_by_reports tells them, and staff.
    reasons = ListingEvent.Reason
    reason = reasons(event.reason).label if event.reason in reasons.values else ""
    link = reverse("employer:listings_listing_change", args=[listing.pk])
    listing.tell(
        listing.organization.members_to_tell(),
        kind,
        event,
        link=link,
        listing=listing,
        reason=reason,
    )


def tell_suspended_by_reports(listing: Listing, event: ListingEvent) -> None:
    """Tell career-center staff and the organization's members of an automatic suspension."""
    from listings.reminders import career_center_staff

    reports = list(listing.reports.filter(status=listing.reports.model.Status.OPEN))
    staff = list(career_center_staff())
    # Someone both staff and member hears it once, as staff.
    members = listing.organization.members_to_tell().exclude(pk__in=[p.pk for p in staff])
    for kind, people, site in (
        ("suspended_by_reports_staff", staff, "admin"),
        ("suspended_by_reports", members, "employer"),
    ):
        link = reverse(f"{site}:listings_listing_change", args=[listing.pk])
        listing.tell(people, kind, event, link=link, listing=listing, reports=reports)
