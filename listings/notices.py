"""What the organization's members and the career center are told when a listing changes."""

from __future__ import annotations

from django.urls import reverse

from listings.models import Listing, ListingEvent
from notifications.outbox import queue_email


def tell_organization(listing: Listing, kind: str, event: ListingEvent) -> None:
    """Tell the organization's active members what the career center decided, and why."""
    if kind == "suspended" and event.actor_id is None:
        return  # Suspended by reports: tell_suspended_by_reports tells them, and staff.
    reasons = ListingEvent.Reason
    reason = reasons(event.reason).label if event.reason in reasons.values else ""
    link = reverse("employer:listings_listing_change", args=[listing.pk])
    for person in listing.organization.members_to_tell():
        queue_email(
            to=person.email,
            recipient=person,
            kind=f"listings.{kind}",
            template=f"listings/email/{kind}",
            context={"listing": listing, "person": person, "event": event, "reason": reason},
            link=link,
            dedupe_key=f"listings.{kind}:{event.pk}:{person.pk}",
        )


def tell_suspended_by_reports(listing: Listing, event: ListingEvent) -> None:
    """Tell career-center staff and the organization's members of an automatic suspension."""
    from listings.reminders import career_center_staff

    reports = list(listing.reports.filter(status=listing.reports.model.Status.OPEN))
    audiences = [
        (
            "suspended_by_reports_staff",
            career_center_staff(),
            reverse("admin:listings_listing_change", args=[listing.pk]),
        ),
        (
            "suspended_by_reports",
            listing.organization.active_members(),
            reverse("employer:listings_listing_change", args=[listing.pk]),
        ),
    ]
    seen: set[int] = set()
    for kind, people, link in audiences:
        for person in people:
            if person.pk in seen:
                continue  # Someone both staff and member hears it once, as staff.
            seen.add(person.pk)
            queue_email(
                to=person.email,
                recipient=person,
                kind=f"listings.{kind}",
                template=f"listings/email/{kind}",
                context={"listing": listing, "person": person, "reports": reports, "event": event},
                link=link,
                dedupe_key=f"listings.{kind}:{event.pk}:{person.pk}",
            )
