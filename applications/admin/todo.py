"""What waits for employers about their applicants (see backoffice.todo)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.utils import timezone

from applications.links import staff_late_payments_link
from applications.models import Application, PaymentStatus
from backoffice.todo import Todo, provides, waiting_since
from notifications.links import admin_link


def completed_ago(oldest) -> str:
    """'The oldest was completed 9 days ago.' for the detail of a payment item."""
    if oldest is None:
        return ""
    days = (timezone.now() - oldest).days
    if days < 1:
        return "The oldest was completed today."
    return f"The oldest was completed {days} day{'s' if days != 1 else ''} ago."


@provides("employer", order=10)
def applicants_waiting(request: HttpRequest) -> list[Todo]:
    """New applications to read and work handed in for review, in one query."""
    status = Application._meta.get_field("status")
    unread = Q(status=Application.Status.SUBMITTED)
    handed_in = Q(status=Application.Status.WORK_SUBMITTED)
    completed = Q(status=Application.Status.COMPLETED)
    unpaid = completed & Q(payment_status=PaymentStatus.UNPAID)
    missing = completed & Q(payment_status=PaymentStatus.MISSING)
    figures = Application.objects.filter(
        listing__organization__in=request.user.employer_organizations()
    ).aggregate(
        unread=Count("pk", filter=unread),
        unread_oldest=Min("created_at", filter=unread),
        handed_in=Count("pk", filter=handed_in),
        handed_in_oldest=Min("work_submitted_at", filter=handed_in),
        unpaid=Count("pk", filter=unpaid),
        unpaid_oldest=Min("completed_at", filter=unpaid),
        missing=Count("pk", filter=missing),
    )
    payment = Application._meta.get_field("payment_status")
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
        Todo(
            count=figures["unpaid"],
            one="completed engagement waits for you to record the payment",
            many="completed engagements wait for you to record the payment",
            url=admin_link(
                "employer:applications_application_changelist",
                filters={status: Application.Status.COMPLETED, payment: PaymentStatus.UNPAID},
            ),
            detail=completed_ago(figures["unpaid_oldest"]),
        ),
        Todo(
            count=figures["missing"],
            one="student says your payment has not arrived",
            many="students say your payment has not arrived",
            url=admin_link(
                "employer:applications_application_changelist",
                filters={payment: PaymentStatus.MISSING},
            ),
        ),
    ]


@provides("admin", order=30)
def payments_unconfirmed(request: HttpRequest) -> list[Todo]:
    """Completed engagements whose payment is unconfirmed after the escalation delay (1 query)."""
    days = settings.PAYMENT_ESCALATION_DAYS
    figures = Application.objects.unpaid_after(days).aggregate(
        late=Count("pk"), oldest=Min("completed_at")
    )
    return [
        Todo(
            count=figures["late"],
            one=f"payment is unconfirmed {days} days or more after completion",
            many=f"payments are unconfirmed {days} days or more after completion",
            url=staff_late_payments_link(),
            detail=completed_ago(figures["oldest"]),
        )
    ]
