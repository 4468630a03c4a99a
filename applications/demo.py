"""Demo applications for `seed_demo`: several states, one completed engagement with feedback
whose payment the organization recorded and the student has still to confirm."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import Application, Feedback
from listings.demo import GENERATED_SLUG
from listings.models import Listing

# A one-page PDF, enough for the demo résumés.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

PITCH = (
    "I have done two similar projects for student organizations and enjoy this kind of work. "
    "I would start with a short call to agree on the scope, share a first draft after a week, "
    "and leave time for one round of changes before the due date."
)

# (student index, organization index, project position in that organization's demo listings,
#  the steps to walk through)
PLAN = [
    (0, 0, 1, ["offer", "accept", "submit_work", "complete", "feedback", "record_payment"]),
    (0, 1, 0, ["shortlist", "offer"]),
    (0, 1, 2, ["view"]),
    (0, 0, 3, []),
    (1, 0, 2, ["offer", "accept"]),
    (1, 1, 1, ["not_select"]),
    (1, 0, 4, ["withdraw"]),
]


def _resume(profile) -> None:
    if not profile.resume:
        profile.resume.save("resume.pdf", ContentFile(DEMO_PDF), save=False)
        profile.save(update_fields=["resume"])


def _record_payment(application: Application, employer) -> None:
    """The organization says it paid the fee yesterday; the student has not confirmed it yet."""
    application.record_payment(
        by=employer,
        paid_on=timezone.localdate() - datetime.timedelta(days=1),
        amount=Decimal(application.listing.fee),
        reference="NW-2026-014",
    )


def seed_demo(demo) -> str:
    """The applications part of `manage.py seed_demo` (idempotent)."""
    students = demo.students
    verified = [org for org in demo.organizations if org.is_verified]
    owners = {org.pk: org.active_members(role="owner").first() for org in verified}
    for student in students:
        _resume(student.student_profile)

    first = students[0].student_profile
    if not first.handle:
        first.handle = "amara-okafor"
    first.portfolio_public = True
    first.save(update_fields=["handle", "portfolio_public"])

    # Chosen once, from a list that later steps (which close filled listings) do not change.
    saved_by_first = set(students[0].saved_listings.values_list("listing_id", flat=True))
    candidates = {
        org.pk: [
            listing
            for listing in Listing.objects.filter(
                organization=org, status__in=[Listing.Status.PUBLISHED, Listing.Status.CLOSED]
            )
            .exclude(slug__regex=GENERATED_SLUG)
            .order_by("pk")
            if listing.pk not in saved_by_first
        ]
        for org in verified
    }
    created = 0
    for student_index, org_index, position, steps in PLAN:
        student, organization = students[student_index], verified[org_index]
        listing = candidates[organization.pk][position]
        employer = owners[organization.pk]
        existing = Application.objects.filter(listing=listing, student=student).first()
        if existing is not None:
            # Demo databases seeded before payments were recorded get theirs too.
            if "record_payment" in steps and existing.payment_due:
                _record_payment(existing, employer)
            continue
        application = Application.submit(
            listing=listing, student=student, pitch=PITCH, availability_confirmed=True
        )
        created += 1
        for step in steps:
            if step == "record_payment":
                _record_payment(application, employer)
            elif step == "view":
                application.mark_viewed(by=employer)
            elif step in {"shortlist", "offer", "complete"}:
                getattr(application, step)(by=employer)
            elif step == "not_select":
                application.not_select(
                    by=employer, message="We chose a student with more design work."
                )
            elif step in {"accept", "withdraw"}:
                getattr(application, step)(by=student)
            elif step == "submit_work":
                application.submit_work(
                    by=student,
                    links=["https://example.org/demo/report.pdf"],
                    note="The report and the script are in the shared folder.",
                )
            elif step == "feedback":
                testimonial = Feedback.give(
                    application=application,
                    author=employer,
                    rating=5,
                    comment="Clear communication, delivered early, and the script now saves us "
                    "two hours every week.",
                )
                testimonial.set_public(by=student, public=True)
                Feedback.give(
                    application=application,
                    author=student,
                    rating=5,
                    comment="Friendly team and a well-scoped project.",
                )
    total = Application.objects.filter(student__in=students).count()
    return f"{total} applications ({created} new), public portfolio at /students/{first.handle}/"
