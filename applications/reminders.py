"""Application reminder rules: decisions, offers, due dates and feedback keep moving."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from applications.links import (
    applicants_link,
    employer_application_link,
    staff_applications_link,
)
from applications.models import Application, Feedback
from listings.models import Listing
from listings.reminders import career_center_staff, pick_offset
from notifications.reminders import Reminder, register

S = Application.Status


def _review_link(application_or_listing) -> str:
    """The employer site's page for one application, or the applicants to one listing."""
    if isinstance(application_or_listing, Listing):
        return applicants_link(application_or_listing)
    return employer_application_link(application_or_listing)


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
    staff = None
    for listing in listings:
        days_after = (today - listing.application_deadline).days
        context = {"listing": listing, "undecided": listing.undecided, "days_after": days_after}
        reached = [offset for offset in offsets if days_after >= offset]
        if reached:
            offset = max(reached)
            review_url = _review_link(listing)
            for member in listing.organization.active_members():
                yield Reminder(
                    to=member.email,
                    recipient=member,
                    kind="applications.decide",
                    dedupe_key=f"applications.decide:{offset}d:{listing.pk}:{member.pk}",
                    template="applications/email/decide",
                    context={**context, "person": member},
                    link=review_url,
                )
        if days_after >= settings.REMINDER_DECIDE_STAFF_DAYS:
            staff = list(career_center_staff()) if staff is None else staff
            applications_url = staff_applications_link(listing)
            for person in staff:
                yield Reminder(
                    to=person.email,
                    recipient=person,
                    kind="applications.decide_staff",
                    dedupe_key=f"applications.decide_staff:{listing.pk}:{person.pk}",
                    template="applications/email/decide_staff",
                    context={**context, "person": person},
                    link=applications_url,
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
        yield Reminder(
            to=application.student.email,
            recipient=application.student,
            kind="applications.offer_expiring",
            # One per offer: an offer made again later has another offered_at.
            dedupe_key=f"applications.offer_expiring:{application.pk}:{application.offered_at:%Y%m%d%H%M%S}",
            template="applications/email/offer_expiring",
            context={
                "application": application,
                "listing": application.listing,
                "person": application.student,
            },
            link=application.get_absolute_url(),
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
        listing, student = application.listing, application.student
        days_left = (listing.due_date - today).days
        context = {"application": application, "listing": listing, "days_left": days_left}
        if days_left < 0:
            recipients = [student, *listing.organization.active_members()]
            for person in recipients:
                yield Reminder(
                    to=person.email,
                    recipient=person,
                    kind="applications.overdue",
                    dedupe_key=f"applications.overdue:{application.pk}:{person.pk}",
                    template="applications/email/overdue",
                    context={**context, "person": person, "is_student": person == student},
                    link=application.get_absolute_url()
                    if person == student
                    else _review_link(application),
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
        yield Reminder(
            to=student.email,
            recipient=student,
            kind="applications.project_due",
            dedupe_key=f"applications.project_due:{offset}d:{application.pk}",
            template="applications/email/project_due",
            context={**context, "person": student},
            link=application.get_absolute_url(),
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
        listing = application.listing
        sides = []
        if not application.feedback_given_by(Feedback.Author.STUDENT):
            sides.append(("student", [application.student]))
        if not application.feedback_given_by(Feedback.Author.EMPLOYER):
            sides.append(("employer", list(listing.organization.active_members())))
        for side, people in sides:
            for person in people:
                yield Reminder(
                    to=person.email,
                    recipient=person,
                    kind="applications.feedback_reminder",
                    dedupe_key=f"applications.feedback:{offset}d:{application.pk}:{side}:{person.pk}",
                    template="applications/email/feedback_reminder",
                    context={
                        "application": application,
                        "listing": listing,
                        "person": person,
                        "side": side,
                    },
                    link=application.get_absolute_url()
                    if side == "student"
                    else _review_link(application),
                )
