"""Where emails send people in the admin sites for organizations (see notifications.links)."""

from __future__ import annotations

from accounts.models import Membership, Organization
from notifications.links import admin_link


def join_requests_link() -> str:
    """The employer site's members page, narrowed to the requests to join."""
    return admin_link(
        "employer:accounts_membership_changelist",
        filters={Membership._meta.get_field("status"): Membership.Status.REQUESTED},
    )


def staff_organization_link(organization: Organization) -> str:
    """The organization's page in the staff site."""
    return admin_link("admin:accounts_organization_change", args=[organization.pk])
