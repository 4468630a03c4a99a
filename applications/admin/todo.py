"""What waits for employers about their applicants (see backoffice.todo)."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.http import HttpRequest

from applications.models import Application
from backoffice.todo import Todo, provides, waiting_since
from notifications.links import admin_link


@provides("employer", order=10)
def applicants_waiting(request: HttpRequest) -> list[Todo]:
    """New applications to read and work handed in for review, in one query."""
    status = Application._meta.get_field("status")
    unread = Q(status=Application.Status.SUBMITTED)
    handed_in = Q(status=Application.Status.WORK_SUBMITTED)
    figures = Application.objects.filter(
        listing__organization__in=request.user.employer_organizations()
    ).aggregate(
        unread=Count("pk", filter=unread),
        unread_oldest=Min("created_at", filter=unread),
        handed_in=Count("pk", filter=handed_in),
        handed_in_oldest=Min("work_submitted_at", filter=handed_in),
    )
    return [
        Todo(
            count=figures["unread"],
            one="new application waits to be read",
            many="new applications wait to be read",
            url=admin_link(
                "employer:applications_application_changelist",
                filters={status: Application.Status.SUBMITTED},
            ),
            detail=waiting_since(figures["unread_oldest"]),
        ),
        Todo(
            count=figures["handed_in"],
            one="student handed in work for you to review",
            many="students handed in work for you to review",
            url=admin_link(
                "employer:applications_application_changelist",
                filters={status: Application.Status.WORK_SUBMITTED},
            ),
            detail=waiting_since(figures["handed_in_oldest"]),
        ),
    ]
