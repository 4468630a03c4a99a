"""Getting paid end to end: the employer records, the student answers, reminders and to-dos."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, PaymentStatus
from backoffice.todo import todo_for
from notifications.models import Notification
from notifications.reminders import run_rule
from tests.factories import ApplicationFactory, ListingFactory

pytestmark = pytest.mark.django_db
S, P = Application.Status, PaymentStatus


def step_url(application, step="record_payment"):
    return reverse("employer:applications_application_step", args=[application.pk, step])


@pytest.fixture
def done(organization):
    """A completed engagement of the organization, its payment not recorded."""
    return ApplicationFactory(
        status=S.COMPLETED,
        listing=ListingFactory(
            published=True, organization=organization, fee=Decimal("480"), currency="USD"
        ),
    )


def record(application, employer, **fields):
    application.record_payment(
        by=employer,
        paid_on=fields.get("paid_on", timezone.localdate()),
        amount=fields.get("amount", Decimal("480")),
        reference=fields.get("reference", ""),
    )


# --- The employer records it ---------------------------------------------------------------


def test_the_employer_records_the_payment_from_the_application_page(login, employer, done):
    client = login(employer)
    page = client.get(reverse("employer:applications_application_change", args=[done.pk]))
    assert step_url(done).encode() in page.content
    assert b"Not recorded yet" in page.content

    form = client.post(step_url(done))
    assert b"Amount paid" in form.content and b"Paid on" in form.content

    paid_on = timezone.localdate() - timedelta(days=1)
    response = client.post(
        step_url(done),
        {"apply": "1", "paid_on": paid_on.isoformat(), "amount": "480.00", "reference": "TR-9"},
        follow=True,
    )

    assert b"Payment recorded for" in response.content
    done.refresh_from_db()
    assert done.payment_status == P.RECORDED
    assert (done.paid_on, done.payment_amount, done.payment_reference) == (
        paid_on,
        Decimal("480.00"),
        "TR-9",
    )
    assert Notification.objects.get().recipient == done.student


def test_a_payment_form_with_errors_changes_nothing(login, employer, done):
    response = login(employer).post(
        step_url(done), {"apply": "1", "paid_on": "not a date", "amount": "0"}
    )

    assert response.status_code == 200
    assert b"Enter a valid date" in response.content
    done.refresh_from_db()
    assert done.payment_status == P.UNPAID
    assert not done.events.exists()


def test_no_payment_step_before_the_work_is_complete_or_once_confirmed(login, employer, done):
    client = login(employer)
    working = ApplicationFactory(status=S.WORK_SUBMITTED, listing=done.listing)
    Application.objects.filter(pk=done.pk).update(payment_status=P.PAID)

    for application in [working, done]:
        page = client.get(
            reverse("employer:applications_application_change", args=[application.pk])
        )
        assert step_url(application).encode() not in page.content
        response = client.get(step_url(application), follow=True)
        assert b"is not open now" in response.content


def test_another_organization_cannot_record_the_payment(login, other_employer, done):
    client = login(other_employer)
    assert client.get(step_url(done)).status_code == 404
    response = client.post(
        step_url(done), {"apply": "1", "paid_on": timezone.localdate().isoformat(), "amount": "1"}
    )
    assert response.status_code == 404
    assert Application.objects.get(pk=done.pk).payment_status == P.UNPAID


# --- The student answers ------------------------------------------------------------------------


def test_the_student_sees_the_payment_and_confirms_it(login, employer, done):
    record(done, employer, reference="TR-9")
    client = login(done.student)

    page = client.get(done.get_absolute_url())
    assert b"says it paid you" in page.content
    assert b"480 USD paid on" in page.content
    assert b"Payment recorded by the organization" in page.content  # the timeline
    assert b"Tell us whether" in page.content  # the next step

    response = client.post(reverse("applications:confirm_payment", args=[done.pk]), follow=True)

    assert b"the payment is confirmed" in response.content
    assert b"You confirmed the payment" in response.content
    assert b"Payment confirmed by the student" in response.content
    done.refresh_from_db()
    assert done.payment_status == P.PAID
    told = Notification.objects.get(kind="applications.payment_confirmed")
    assert told.recipient == employer


def test_the_student_says_it_has_not_arrived_then_confirms_it(login, employer, done):
    record(done, employer)
    client = login(done.student)

    client.post(reverse("applications:payment_missing", args=[done.pk]), {"note": "Wrong account?"})
    done.refresh_from_db()
    assert done.payment_status == P.MISSING
    assert done.events.last().note == "Wrong account?"
    page = client.get(done.get_absolute_url())
    assert b"you told them it has not arrived" in page.content

    client.post(reverse("applications:confirm_payment", args=[done.pk]))
    assert Application.objects.get(pk=done.pk).payment_status == P.PAID


def test_nothing_to_answer_before_a_payment_is_recorded(login, done):
    client = login(done.student)
    page = client.get(done.get_absolute_url())
    assert b"has not recorded a payment yet" in page.content
    assert reverse("applications:confirm_payment", args=[done.pk]).encode() not in page.content

    response = client.post(reverse("applications:confirm_payment", args=[done.pk]), follow=True)

    assert b"it cannot be confirmed as paid now" in response.content
    assert Application.objects.get(pk=done.pk).payment_status == P.UNPAID


def test_another_student_cannot_answer_for_the_payment(login, employer, other_student, done):
    record(done, employer)
    client = login(other_student)
    for name in ["confirm_payment", "payment_missing"]:
        assert client.post(reverse(f"applications:{name}", args=[done.pk])).status_code == 404
    assert Application.objects.get(pk=done.pk).payment_status == P.RECORDED


# --- Reminders ----------------------------------------------------------------------------------


def test_the_employer_is_reminded_7_and_14_days_after_completion_while_unpaid(employer, done):
    completed_at = done.completed_at
    for days, expected in [(6, 0), (7, 1), (8, 0), (14, 1), (15, 0), (22, 0)]:
        with time_machine.travel(completed_at + timedelta(days=days, hours=1)):
            assert run_rule("applications.payment") == expected, days
    email = Notification.objects.filter(kind="applications.payment_due").first()
    assert email.recipient == employer
    assert "no payment is recorded yet" in email.body_text
    assert f"/employer/applications/application/{done.pk}/" in email.body_text


def test_no_payment_reminder_once_the_payment_is_recorded(employer, done):
    with time_machine.travel(done.completed_at + timedelta(days=3)):
        record(done, employer)
    with time_machine.travel(done.completed_at + timedelta(days=8)):
        assert run_rule("applications.payment") == 0


def test_the_student_is_reminded_once_to_confirm_a_recorded_payment(employer, done):
    record(done, employer)
    recorded_at = Application.objects.get(pk=done.pk).payment_recorded_at
    with time_machine.travel(recorded_at + timedelta(days=2)):
        assert run_rule("applications.payment_confirm") == 0
    with time_machine.travel(recorded_at + timedelta(days=3, hours=1)):
        assert run_rule("applications.payment_confirm") == 1
        assert run_rule("applications.payment_confirm") == 0
    email = Notification.objects.get(kind="applications.payment_confirm")
    assert email.recipient == done.student
    assert "Please confirm it, or say it has not arrived" in email.body_text


def test_staff_hear_of_a_payment_unconfirmed_21_days_after_completion(staff, employer, done):
    record(done, employer)  # recorded, never confirmed
    for days, expected in [(20, 0), (21, 1), (22, 0), (30, 0)]:
        with time_machine.travel(done.completed_at + timedelta(days=days, hours=1)):
            assert run_rule("applications.payment_staff") == expected, days
    email = Notification.objects.get(kind="applications.payment_staff")
    assert email.recipient == staff
    assert "payment_late=1" in email.body_text
    assert "the student was asked to confirm it and has not answered" in email.body_text


def test_a_second_send_reminders_sends_nothing(mailoutbox, employer, staff, done):
    for days, recipient in [(14, employer), (21, staff)]:
        with time_machine.travel(done.completed_at + timedelta(days=days, hours=1)):
            before = len(mailoutbox)
            call_command("send_reminders")
            first = len(mailoutbox)
            call_command("send_reminders")
        assert first == before + 1, days
        assert mailoutbox[-1].to == [recipient.email]
        assert len(mailoutbox) == first


# --- To-do lists -------------------------------------------------------------------------------


def test_the_employers_to_do_list_counts_payments_to_record_and_missing(
    rf, employer, done, django_assert_max_num_queries
):
    ApplicationFactory(status=S.COMPLETED, payment_status=P.MISSING, listing=done.listing)
    request = rf.get("/employer/")
    request.user = employer
    with django_assert_max_num_queries(8):
        items = {item.one: item for item in todo_for("employer", request)}
    unpaid = items["completed engagement waits for you to record the payment"]
    assert unpaid.count == 1
    assert "payment_status__exact=unpaid" in unpaid.url
    assert items["student says your payment has not arrived"].count == 1


def test_the_staff_home_lists_payments_unconfirmed_after_21_days(login, staff, done):
    ApplicationFactory(status=S.COMPLETED, listing=done.listing)  # completed today
    Application.objects.filter(pk=done.pk).update(completed_at=timezone.now() - timedelta(days=25))
    page = login(staff).get(reverse("admin:index"))
    late = [item for item in page.context["todo"] if "unconfirmed" in item.text]
    assert [(item.count, item.text) for item in late] == [
        (1, "payment is unconfirmed 21 days or more after completion")
    ]
    assert late[0].detail == "The oldest was completed 25 days ago."
    assert late[0].url.encode() in page.content

    listed = login(staff).get(
        reverse("admin:applications_application_changelist") + "?payment_late=1"
    )
    assert listed.context["cl"].result_count == 1
