"""Every email speaks to the person it is sent to.

Each template under templates/<app>/email/ is rendered for the person who receives it (with
the context its sender gives: `to_student` for application notices, `is_student` or `side`
for reminders to both sides), and must greet that person by name and never speak of them in
the third person: their name appears in the greeting only ("Your offer…", never "The offer
to Jonas Lindqvist…"). A new email template must say here who receives it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Feedback
from notifications.outbox import render_email
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    ListingFactory,
    StaffFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"

STUDENT, EMPLOYER, STAFF = "student", "employer", "staff"
#: Who receives each email (one template may go to either side of an engagement).
RECIPIENTS = {
    "accounts/email/join_approved": [EMPLOYER],
    "accounts/email/join_request": [EMPLOYER],
    "accounts/email/organization_changed": [STAFF],
    "accounts/email/organization_reinstated": [EMPLOYER],
    "accounts/email/organization_suspended": [EMPLOYER],
    "accounts/email/organization_verified": [EMPLOYER],
    "applications/email/accepted": [EMPLOYER],
    "applications/email/completed": [STUDENT],
    "applications/email/decide": [EMPLOYER],
    "applications/email/decide_staff": [STAFF],
    "applications/email/declined": [STUDENT, EMPLOYER],
    "applications/email/feedback_reminder": [STUDENT, EMPLOYER],
    "applications/email/feedback_requested": [EMPLOYER],
    "applications/email/incomplete": [STUDENT],
    "applications/email/left": [EMPLOYER],
    "applications/email/not_selected": [STUDENT],
    "applications/email/offer_expired": [STUDENT, EMPLOYER],
    "applications/email/offer_expiring": [STUDENT],
    "applications/email/offered": [STUDENT],
    "applications/email/overdue": [STUDENT, EMPLOYER],
    "applications/email/payment_confirm": [STUDENT],
    "applications/email/payment_confirmed": [EMPLOYER],
    "applications/email/payment_due": [EMPLOYER],
    "applications/email/payment_missing": [EMPLOYER],
    "applications/email/payment_recorded": [STUDENT],
    "applications/email/payment_staff": [STAFF],
    "applications/email/project_due": [STUDENT],
    "applications/email/received": [EMPLOYER],
    "applications/email/revision_requested": [STUDENT],
    "applications/email/shortlisted": [STUDENT],
    "applications/email/submitted": [STUDENT],
    "applications/email/testimonial_changed": [STUDENT],
    "applications/email/withdrawn": [STUDENT, EMPLOYER],
    "applications/email/work_submitted": [EMPLOYER],
    "listings/email/approved": [EMPLOYER],
    "messaging/email/check_in": [STUDENT, EMPLOYER],
    "messaging/email/check_in_help": [STAFF],
    "messaging/email/check_in_silent": [STAFF],
    "messaging/email/message": [STUDENT, EMPLOYER],
    "messaging/email/reported": [STAFF],
    "listings/email/changes_requested": [EMPLOYER],
    "listings/email/closed_to_applicants": [STUDENT],
    "listings/email/deadline": [STUDENT],
    "listings/email/moderation_digest": [STAFF],
    "listings/email/reinstated": [EMPLOYER],
    "listings/email/rejected": [EMPLOYER],
    "listings/email/removed": [EMPLOYER],
    "listings/email/suspended": [EMPLOYER],
    "listings/email/suspended_by_reports": [EMPLOYER],
    "listings/email/suspended_by_reports_staff": [STAFF],
    "reports/email/export_ready": [STAFF],
    "searches/email/alert": [STUDENT],
    "searches/email/alert_paused": [STUDENT],
}


def email_templates() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES)).removesuffix("_subject.txt")
        for path in TEMPLATES.glob("*/email/*_subject.txt")
    )


def test_every_email_template_says_who_receives_it():
    assert email_templates() == sorted(RECIPIENTS)


@pytest.fixture
def people():
    student = StudentFactory(first_name="Jonas", last_name="Lindqvist")
    employer = EmployerFactory(first_name="Maria", last_name="Okafor")
    staff = StaffFactory(first_name="Sam", last_name="Reyes")
    organization = employer.employer_organizations().get()
    listing = ListingFactory(organization=organization, published=True, title="Survey analysis")
    application = ApplicationFactory(listing=listing, student=student, status="offered")
    event = application.write_event(by=None, from_status="submitted", to_status="offered")
    return {
        STUDENT: student,
        EMPLOYER: employer,
        STAFF: staff,
        "application": application,
        "listing": listing,
        "organization": organization,
        "event": event,
    }


def context_for(people, recipient: str) -> dict:
    person = people[recipient]
    return {
        "person": person,
        "owner": person,
        "member": person,
        "by": people[EMPLOYER] if recipient != EMPLOYER else people[STAFF],
        "requester": people[STUDENT],
        "application": people["application"],
        "listing": people["listing"],
        "organization": people["organization"],
        "event": people["event"],
        "to_student": recipient == STUDENT,
        "is_student": recipient == STUDENT,
        "side": Feedback.Author.STUDENT if recipient == STUDENT else Feedback.Author.EMPLOYER,
        "undecided": 2,
        "days_after": 3,
        "days_left": 1,
        "days": 21,
        "note": "Name and website changed",
        "reason": "Other",
        "listings": [people["listing"]],
        "searches": ["Design projects"],
        "description": "Design projects",
        "total": 1,
        "more": 0,
        "now": timezone.now(),
        # A message from the other side, a check-in answered by the student, a report.
        "messages": [
            SimpleNamespace(
                author_name=people[EMPLOYER if recipient == STUDENT else STUDENT].display_name,
                created_at=timezone.now(),
                body="Could you start on Monday?",
                warnings=[],
            )
        ],
        "check_in": SimpleNamespace(
            get_side_display="Student", by=people[STUDENT] if recipient != STUDENT else None
        ),
        "report": SimpleNamespace(reporter=people[STUDENT], reason="Asks for a deposit"),
    }


@pytest.mark.parametrize("template", sorted(RECIPIENTS))
def test_every_email_speaks_to_its_recipient(people, template):
    for recipient in RECIPIENTS[template]:
        person = people[recipient]
        subject, text, _html = render_email(template, context_for(people, recipient))
        name = person.get_full_name()

        assert subject.strip(), template
        greeting = f"Hello {person.display_name},"
        assert text.startswith(greeting), (template, recipient, text[:80])
        rest = f"{subject}\n{text.removeprefix(greeting)}"
        assert name not in rest, (
            f"{template} speaks of its {recipient} recipient in the third person: {rest}"
        )
