"""What waits for employers and the career center about applications (see backoffice.todo)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from applications.links import staff_late_payments_link
from applications.models import Application, Feedback, PaymentStatus
from backoffice.todo import Todo, day, provides, waiting_since
from notifications.links import admin_link


def completed_ago(oldest) -> str:
    """'The oldest was completed 9 days ago.' for the detail of a payment item."""
    if oldest is None:
        return ""
    days = (timezone.now() - oldest).days
    if days < 1:
        return "The oldest was completed today."
    return f"The oldest was completed {days} day{'s' if days != 1 else ''} ago."


def decide_within() -> datetime.timedelta:
    """How long after a listing's application deadline its organization decides by, the
    date its applicants are given (`Listing.decide_by`, DECIDE_WITHIN_DAYS)."""
    return datetime.timedelta(days=settings.DECIDE_WITHIN_DAYS)


def overdue_deadline() -> datetime.date:
    """Undecided applications to listings whose deadline is before this are the career
    center's concern (REMINDER_DECIDE_STAFF_DAYS, when staff are reminded too)."""
    return timezone.localdate() - datetime.timedelta(days=settings.REMINDER_DECIDE_STAFF_DAYS)


def employer_feedback():
    """The organization's feedback on the application in the outer query, if given."""
    return Feedback.objects.filter(application=OuterRef("pk"), author_role=Feedback.Author.EMPLOYER)


def feedback_due(applications):
    """Completed engagements the organization has not yet given feedback on."""
    return applications.filter(status=Application.Status.COMPLETED).exclude(
        Exists(employer_feedback())
    )


def left_undecided(applications):
    """Undecided applications whose listing's deadline is long past (overdue_deadline)."""
    return applications.undecided().filter(listing__application_deadline__lt=overdue_deadline())


@provides("employer", order=10)
def applicants_waiting(request: HttpRequest) -> list[Todo]:
    """Applicants to decide on, offers out, work to review and feedback to give: one query."""
    status = Application._meta.get_field("status")
    undecided = Q(status__in=Application.PRE_OFFER)
    unread = Q(status=Application.Status.SUBMITTED)
    offered = Q(status=Application.Status.OFFERED)
    handed_in = Q(status=Application.Status.WORK_SUBMITTED)
    feedback_due = Q(status=Application.Status.COMPLETED, gave_feedback=False)
    completed = Q(status=Application.Status.COMPLETED)
    unpaid = completed & Q(payment_status=PaymentStatus.UNPAID)
    missing = completed & Q(payment_status=PaymentStatus.MISSING)
    figures = (
        Application.objects.filter(listing__organization__in=request.user.employer_organizations())
        .annotate(gave_feedback=Exists(employer_feedback()))
        .aggregate(
            undecided=Count("pk", filter=undecided),
            unread=Count("pk", filter=unread),
            first_deadline=Min("listing__application_deadline", filter=undecided),
            offered=Count("pk", filter=offered),
            offer_ends=Min("offer_expires_at", filter=offered),
            handed_in=Count("pk", filter=handed_in),
            handed_in_oldest=Min("work_submitted_at", filter=handed_in),
            feedback_due=Count("pk", filter=feedback_due),
            unpaid=Count("pk", filter=unpaid),
            unpaid_oldest=Min("completed_at", filter=unpaid),
            missing=Count("pk", filter=missing),
        )
    )
    decide_detail = ""
    if figures["first_deadline"] is not None:
        decide_by = figures["first_deadline"] + decide_within()
        when = "was" if decide_by < timezone.localdate() else "is"
        decide_detail = f"The first decision {when} due by {day(decide_by)}."
        if figures["unread"]:
            decide_detail = f"{figures['unread']} not read yet. {decide_detail}"
    offer_detail = ""
    if figures["offer_ends"] is not None:
        offer_detail = (
            f"The first answer is due by {day(timezone.localdate(figures['offer_ends']))}."
        )
    changelist = "employer:applications_application_changelist"
    payment = Application._meta.get_field("payment_status")
    return [
        Todo(
            count=figures["undecided"],
            one="applicant waits for your decision",
            many="applicants wait for your decision",
            url=admin_link(changelist, filters={status: Application.PRE_OFFER}),
            detail=decide_detail,
        ),
        Todo(
            count=figures["handed_in"],
            one="student handed in work for you to review",
            many="students handed in work for you to review",
            url=admin_link(changelist, filters={status: Application.Status.WORK_SUBMITTED}),
            detail=waiting_since(figures["handed_in_oldest"]),
        ),
        Todo(
            count=figures["offered"],
            one="offer waits for the student's answer",
            many="offers wait for the students' answers",
            url=admin_link(changelist, filters={status: Application.Status.OFFERED}),
            detail=offer_detail,
        ),
        Todo(
            count=figures["feedback_due"],
            one="finished engagement waits for your feedback",
            many="finished engagements wait for your feedback",
            url=f"{admin_link(changelist)}?feedback=due",
            detail="The student sees it on their portfolio if they choose to publish it.",
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


@provides("admin", order=25)
def applications_left_undecided(request: HttpRequest) -> list[Todo]:
    """Applications nobody decided on long after their listing's deadline."""
    figures = left_undecided(Application.objects.all()).aggregate(
        count=Count("pk"),
        listings=Count("listing", distinct=True),
        oldest=Min("listing__application_deadline"),
    )
    detail = ""
    if figures["count"]:
        detail = (
            f"On {figures['listings']} listing{'s' if figures['listings'] != 1 else ''}; "
            f"the earliest deadline was {day(figures['oldest'])}."
        )
    return [
        Todo(
            count=figures["count"],
            one="application has waited for a decision past its due date",
            many="applications have waited for a decision past their due date",
            url=f"{admin_link('admin:applications_application_changelist')}?decision=overdue",
            detail=detail,
        )
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
