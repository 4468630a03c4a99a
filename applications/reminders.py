"""Application reminder rules: decisions, offers, due dates and feedback keep moving."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from applications.links import (
    applicants_link,
    employer_application_link,
    staff_applications_link,
    staff_late_payments_link,
)
from applications.models import Application, Feedback, PaymentStatus
from listings.models import Listing
from listings.reminders import career_center_staff, pick_offset
from notifications.reminders import Reminder, register, remind, remind_each

S = Application.Status


def _review_link(application_or_listing) -> str:
    """The employer site's page for one application, or the applicants to one listing."""
    if isinstance(application_or_listing, Listing):
        return applicants_link(application_or_listing)
    return employer_application_link(application_or_listing)


def _sides(application: Application) -> list[tuple[str, Iterable, str]]:
    """The two sides of an engagement: (side, its people, the page a reminder links to)."""
    return [
        (Feedback.Author.STUDENT, [application.student], application.get_absolute_url()),
        (
            Feedback.Author.EMPLOYER,
            application.listing.organization.active_members(),
            _review_link(application),
        ),
    ]


def _to_student(application: Application, kind: str, dedupe_key: str, **context) -> Reminder:
    """The email `applications/email/<kind>` to the application's student, about it and
    linking to its page."""
    return remind(
        application.student,
        f"applications.{kind}",
        dedupe_key,
        f"applications/email/{kind}",
        {"application": application, "listing": application.listing, **context},
        application.get_absolute_url(),
    )


@register("applications.decide")
def decide_on_applicants() -> Iterator[Reminder]:
    """Employers with undecided applications 2 and 7 days after the deadline; staff after 14."""
    today = timezone.localdate()
    offsets = settings.REMINDER_DECIDE_DAYS
    listings = (
        Listing.objects.filter(application_deadline__lt=today - timedelta(days=min(offsets) - 1))
        .annotate(
            undecided=Count(
                "applications", filter=Q(applications__status__in=Application.PRE_OFFER)
            )
        )
        .filter(undecided__gt=0)
        .select_related("organization")
    )
    # Read once, at the first staff reminder: a queryset keeps what it has read.
    staff = career_center_staff()
    for listing in listings:
        days_after = (today - listing.application_deadline).days
        context = {"listing": listing, "undecided": listing.undecided, "days_after": days_after}
        reached = [offset for offset in offsets if days_after >= offset]
        if reached:
            yield from remind_each(
                listing.organization.active_members(),
                "applications.decide",
                f"applications.decide:{max(reached)}d:{listing.pk}",
                "applications/email/decide",
                context,
                _review_link(listing),
            )
        if days_after >= settings.REMINDER_DECIDE_STAFF_DAYS:
            yield from remind_each(
                staff,
                "applications.decide_staff",
                f"applications.decide_staff:{listing.pk}",
                "applications/email/decide_staff",
                context,
                staff_applications_link(listing),
            )


@register("applications.offer_expiring")
def offer_expiring() -> Iterator[Reminder]:
    """The student, 24 h before an offer expires."""
    now = timezone.now()
    soon = now + timedelta(hours=settings.REMINDER_OFFER_HOURS)
    offers = Application.objects.filter(
        status=S.OFFERED, offer_expires_at__gt=now, offer_expires_at__lte=soon
    ).select_related("listing__organization", "student")
    for application in offers:
        yield _to_student(
            application,
            "offer_expiring",
            # One per offer: an offer made again later has another offered_at.
            f"applications.offer_expiring:{application.pk}:{application.offered_at:%Y%m%d%H%M%S}",
        )


@register("applications.project_due")
def project_due() -> Iterator[Reminder]:
    """Accepted students 3 days and 1 day before the due date; both sides once it is overdue."""
    today = timezone.localdate()
    offsets = settings.REMINDER_DUE_DAYS
    working = Application.objects.filter(
        status__in={S.ACCEPTED, S.REVISION_REQUESTED},
        listing__due_date__lte=today + timedelta(days=max(offsets)),
    ).select_related("listing__organization", "student")
    for application in working:
        listing = application.listing
        days_left = (listing.due_date - today).days
        if days_left < 0:
            context = {"application": application, "listing": listing, "days_left": days_left}
            for side, people, link in _sides(application):
                yield from remind_each(
                    people,
                    "applications.overdue",
                    f"applications.overdue:{application.pk}",
                    "applications/email/overdue",
                    {**context, "is_student": side == Feedback.Author.STUDENT},
                    link,
                )
            continue
        # Due today counts as "1 day before" if that reminder was never sent.
        offset = (
            pick_offset(days_left + 1, offsets)
            if days_left == 0
            else pick_offset(days_left, offsets)
        )
        if offset is None:
            continue
        yield _to_student(
            application,
            "project_due",
            f"applications.project_due:{offset}d:{application.pk}",
            days_left=days_left,
        )


@register("applications.feedback")
def feedback_reminders() -> Iterator[Reminder]:
    """Each side of a completed engagement that has not given feedback: 2 and 7 days after."""
    now = timezone.now()
    offsets = settings.REMINDER_FEEDBACK_DAYS
    window = now - timedelta(days=settings.FEEDBACK_WINDOW_DAYS)
    completed = (
        Application.objects.filter(
            status=S.COMPLETED,
            completed_at__lte=now - timedelta(days=min(offsets)),
            completed_at__gte=window,
        )
        .select_related("listing__organization", "student")
        .prefetch_related("feedback")
    )
    for application in completed:
        days_after = (now - application.completed_at).days
        offset = max(offset for offset in offsets if days_after >= offset)
        context = {"application": application, "listing": application.listing}
        for side, people, link in _sides(application):
            if application.feedback_given_by(side):
                continue
            yield from remind_each(
                people,
                "applications.feedback_reminder",
                f"applications.feedback:{offset}d:{application.pk}:{side}",
                "applications/email/feedback_reminder",
                {**context, "side": side},
                link,
            )


# --- Getting paid ----------------------------------------------------------------------------


@register("applications.payment")
def payment_reminders() -> Iterator[Reminder]:
    """The organization, 7 and 14 days after completion, while no payment is recorded."""
    now = timezone.now()
    offsets = settings.REMINDER_PAYMENT_DAYS
    # Past the escalation delay the career center follows it up instead.
    unpaid = Application.objects.filter(
        status=S.COMPLETED,
        payment_status__in=Application.PAYMENT["record_payment"].source,
        completed_at__lte=now - timedelta(days=min(offsets)),
        completed_at__gt=now - timedelta(days=settings.PAYMENT_ESCALATION_DAYS),
    ).select_related("listing__organization", "student")
    for application in unpaid:
        days_after = (now - application.completed_at).days
        offset = max(offset for offset in offsets if days_after >= offset)
        yield from remind_each(
            application.listing.organization.active_members(),
            "applications.payment_due",
            f"applications.payment_due:{offset}d:{application.pk}",
            "applications/email/payment_due",
            {"application": application, "listing": application.listing, "days_after": days_after},
            _review_link(application),
        )


@register("applications.payment_confirm")
def payment_confirm_reminders() -> Iterator[Reminder]:
    """The student, a few days after a payment was recorded, while they have not answered."""
    recorded = Application.objects.filter(
        payment_status=PaymentStatus.RECORDED,
        payment_recorded_at__lte=timezone.now()
        - timedelta(days=settings.REMINDER_PAYMENT_CONFIRM_DAYS),
    ).select_related("listing__organization", "student")
    for application in recorded:
        yield _to_student(
            application,
            "payment_confirm",
            # One per recording: a payment recorded again is asked about again.
            f"applications.payment_confirm:{application.pk}:"
            f"{application.payment_recorded_at:%Y%m%d%H%M%S}",
        )


@register("applications.payment_staff")
def payment_escalation() -> Iterator[Reminder]:
    """Career-center staff, once, when a payment is unconfirmed 21 days after completion."""
    days = settings.PAYMENT_ESCALATION_DAYS
    # Older ones were told about when they crossed the line (or predate the rule).
    late = (
        Application.objects.unpaid_after(days)
        .filter(completed_at__gt=timezone.now() - timedelta(days=days + 14))
        .select_related("listing__organization", "student")
    )
    staff = career_center_staff()  # read at the first reminder, as in decide_on_applicants
    for application in late:
        yield from remind_each(
            staff,
            "applications.payment_staff",
            f"applications.payment_staff:{application.pk}",
            "applications/email/payment_staff",
            {"application": application, "listing": application.listing, "days": days},
            staff_late_payments_link(),
        )
