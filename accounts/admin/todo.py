"""What waits for the career center about organizations (see backoffice.todo)."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.http import HttpRequest

from accounts.models import Organization
from backoffice.todo import Todo, provides, waiting_since
from notifications.links import admin_link


@provides("admin", order=20)
def organizations_to_verify(request: HttpRequest) -> list[Todo]:
    """Organizations waiting for the career center to verify them."""
    pending = Q(verification=Organization.Verification.PENDING)
    figures = Organization.objects.aggregate(
        count=Count("pk", filter=pending), oldest=Min("created_at", filter=pending)
    )
    return [
        Todo(
            count=figures["count"],
            one="organization waits to be verified",
            many="organizations wait to be verified",
            url=admin_link(
                "admin:accounts_organization_changelist",
                filters={
                    Organization._meta.get_field("verification"): Organization.Verification.PENDING
                },
            ),
            detail=waiting_since(figures["oldest"]),
        )
    ]
