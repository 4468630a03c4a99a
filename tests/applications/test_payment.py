"""The payment lifecycle: recorded by the organization, confirmed (or not) by the student."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.models import Application, PaymentStatus
from notifications.models import Notification
from tests.factories import ApplicationFactory, ListingFactory

S = Application.Status
P = PaymentStatus
PAYMENT = Application.PAYMENT
pytestmark = pytest.mark.django_db

STUDENT_CALLS = {"confirm_payment", "report_payment_missing"}
# Who is told of each move: the student, or the organization's members.
TOLD = {
    "record_payment": "student",
    "confirm_payment": "employer",
    "report_payment_missing": "employer",
}


def call(application, method, employer):
    if method == "record_payment":
        return application.record_payment(
            by=employer,
            paid_on=timezone.localdate(),
            amount=Decimal("450.00"),
            reference=" INV-7 ",
        )
    return getattr(application, method)(by=application.student)


def completed(organization, payment_status=P.UNPAID, **fields):
    return ApplicationFactory(
        status=S.COMPLETED,
        payment_status=payment_status,
        listing=ListingFactory(published=True, organization=organization, currency="EUR"),
        **fields,
    )


@pytest.mark.parametrize(
    ("method", "from_state"),
    [(m, s) for m, transition in PAYMENT.items() for s in sorted(transition.source)],
)
def test_allowed_payment_transition(method, from_state, employer, organization):
    application = completed(organization, from_state)

    call(application, method, employer)

    application.refresh_from_db()
    assert application.payment_status == PAYMENT[method].target
    assert application.status == S.COMPLETED  # the other lifecycle stays where it was
    event = application.events.get()
    assert (event.from_status, event.to_status) == (from_state, PAYMENT[method].target)
    told = application.student if TOLD[method] == "student" else employer
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind) == (told, f"applications.{method_kind(method)}")


def method_kind(method):
    return {
        "record_payment": "payment_recorded",
        "confirm_payment": "payment_confirmed",
        "report_payment_missing": "payment_missing",
    }[method]


@pytest.mark.parametrize(
    ("method", "from_state"),
    [(m, s) for m, transition in PAYMENT.items() for s in sorted(set(P) - transition.source)],
)
def test_forbidden_payment_transition(method, from_state, employer, organization):
    application = completed(organization, from_state)

    with pytest.raises(ValidationError):
        call(application, method, employer)

    application.refresh_from_db()
    assert application.payment_status == from_state
    assert not application.events.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", sorted(set(S) - {S.COMPLETED}))
def test_a_payment_is_recorded_only_for_completed_work(status, employer, organization):
    application = ApplicationFactory(
        status=status, listing=ListingFactory(published=True, organization=organization)
    )

    with pytest.raises(ValidationError, match="not marked complete"):
        call(application, "record_payment", employer)

    assert Application.objects.get(pk=application.pk).payment_status == P.UNPAID
    assert not application.payment_due


def test_recording_keeps_the_date_amount_and_reference_and_tells_the_student(
    employer, organization
):
    application = completed(organization)
    paid_on = timezone.localdate() - datetime.timedelta(days=2)

    application.record_payment(
        by=employer, paid_on=paid_on, amount=Decimal("450"), reference=" INV-7 "
    )

    application.refresh_from_db()
    assert (application.paid_on, application.payment_amount) == (paid_on, Decimal("450.00"))
    assert application.payment_reference == "INV-7"
    assert application.payment_recorded_at is not None
    summary = f"450 EUR paid on {paid_on:%-d %B %Y} (reference INV-7)"
    assert application.payment_summary == summary
    event = application.events.get()
    assert event.note == summary + "."
    assert event.to_label == "Payment recorded by the organization"
    email = Notification.objects.get()
    assert email.recipient == application.student
    assert summary in email.body_text
    assert application.get_absolute_url() in email.body_text
    assert email.link == application.get_absolute_url()


@pytest.mark.parametrize(
    ("amount", "days_ahead", "message"),
    [
        (Decimal("0"), 0, "more than zero"),
        (Decimal("-5"), 0, "more than zero"),
        (Decimal("10"), 1, "cannot be in the future"),
    ],
)
def test_a_payment_needs_an_amount_and_a_date_not_in_the_future(
    amount, days_ahead, message, employer, organization
):
    application = completed(organization)
    paid_on = timezone.localdate() + datetime.timedelta(days=days_ahead)

    with pytest.raises(ValidationError, match=message):
        application.record_payment(by=employer, paid_on=paid_on, amount=amount)

    assert not application.events.exists()


def test_only_the_student_answers_for_the_payment(employer, other_student, organization):
    application = completed(organization, P.RECORDED)

    for method in ["confirm_payment", "report_payment_missing"]:
        for someone in [employer, other_student]:
            with pytest.raises(ValidationError, match="Only the student"):
                getattr(application, method)(by=someone)

    assert Application.objects.get(pk=application.pk).payment_status == P.RECORDED


def test_a_missing_payment_tells_the_organization_in_the_students_words(employer, organization):
    application = completed(
        organization,
        P.RECORDED,
        paid_on=timezone.localdate(),
        payment_amount=Decimal("300"),
    )

    application.report_payment_missing(by=application.student, note="Nothing on my account.")

    email = Notification.objects.get()
    assert email.recipient == employer
    assert "has not arrived" in email.body_text
    assert "Their words: Nothing on my account." in email.body_text
    assert f"/employer/applications/application/{application.pk}/" in email.body_text


def test_a_refusal_says_where_the_payment_stands(employer, organization):
    application = completed(organization, P.PAID)

    with pytest.raises(
        ValidationError, match="has its payment confirmed by the student; it cannot"
    ):
        call(application, "record_payment", employer)
