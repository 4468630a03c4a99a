"""Where emails send people in the admin sites for applications (see notifications.links)."""

from __future__ import annotations

from applications.models import Application
from listings.models import Listing
from notifications.links import admin_link


def applicants_link(listing: Listing) -> str:
    """The employer site's list of the applicants to one listing."""
    # The back office sits on top of the models; it is read only when a link is built.
    from applications.admin import OwnListingFilter

    return admin_link(
        "employer:applications_application_changelist", filters={OwnListingFilter: listing.pk}
    )


def employer_application_link(application: Application) -> str:
    """One application's page in the employer site."""
    return admin_link("employer:applications_application_change", args=[application.pk])


def staff_applications_link(listing: Listing) -> str:
    """The staff site's list of the applications to one listing."""
    return admin_link(
        "admin:applications_application_changelist",
        filters={Application._meta.get_field("listing"): listing.pk},
    )


def staff_late_payments_link() -> str:
    """The staff site's list of completed engagements still unpaid after the escalation delay."""
    from applications.admin.staff import PaymentLateFilter

    return admin_link("admin:applications_application_changelist", filters={PaymentLateFilter: "1"})
