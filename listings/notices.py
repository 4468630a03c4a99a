"""What the organization's members and the career center are told when a listing changes."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from listings.models import Listing, ListingEvent
from notifications.outbox import queue_email


def _tell(people: Iterable, kind: str, listing: Listing, event: ListingEvent, link: str, **context):
    """One email and in-app notice of `kind` to each person, once per event."""
    for person in people:
        queue_email(
            to=person.email,
            recipient=person,
            kind=f"listings.{kind}",
            template=f"listings/email/{kind}",
            context={"listing": listing, "person": person, "event": event, **context},
            link=link,
            dedupe_key=f"listings.{kind}:{event.pk}:{person.pk}",
        )


def tell_organization(listing: Listing, kind: str, event: ListingEvent) -> None:
    """Tell the organization's members what the career center decided, and why."""
    if kind == "suspended" and event.actor_id is None:
        return  # Suspended by reports: tell_suspended_by_reports tells them, and staff.
    reasons = ListingEvent.Reason
    reason = reasons(event.reason).label if event.reason in reasons.values else ""
    link = reverse("employer:listings_listing_change", args=[listing.pk])
    _tell(listing.organization.members_to_tell(), kind, listing, event, link, reason=reason)


def tell_suspended_by_reports(listing: Listing, event: ListingEvent) -> None:
    """Tell career-center staff and the organization's members of an automatic suspension."""
    from listings.reminders import career_center_staff

    reports = list(listing.reports.filter(status=listing.reports.model.Status.OPEN))
    staff = list(career_center_staff())
    # Someone both staff and member hears it once, as staff.
    members = listing.organization.active_members().exclude(pk__in=[p.pk for p in staff])
    for kind, people, site in (
        ("suspended_by_reports_staff", staff, "admin"),
        ("suspended_by_reports", members, "employer"),
    ):
        link = reverse(f"{site}:listings_listing_change", args=[listing.pk])
        _tell(people, kind, listing, event, link, reports=reports)
