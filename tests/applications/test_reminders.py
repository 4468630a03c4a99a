"""Every reminder rule's offsets, with time travel; a second run never sends again."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, Feedback
from listings.models import SavedListing
from notifications.models import Notification
from notifications.reminders import run_rule
from tests.factories import ApplicationFactory, ListingFactory, StaffFactory, StudentFactory

pytestmark = pytest.mark.django_db
S = Application.Status


def at(day, hour=12):
    """A moment on a given date (UTC)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def sent(kind):
    return list(Notification.objects.filter(kind=kind).values_list("dedupe_key", flat=True))


# --- Application deadline (saved, not applied) --------------------------------------------------


def test_deadline_reminders_at_72_and_24_hours_for_savers_who_did_not_apply():
    listing = ListingFactory(published=True)
    saver, applicant = StudentFactory(), StudentFactory()
    SavedListing.objects.create(user=saver, listing=listing)
    SavedListing.objects.create(user=applicant, listing=listing)
    ApplicationFactory(listing=listing, student=applicant)
    end = listing.deadline_at
    with time_machine.travel(end - timedelta(hours=80)):
        assert run_rule("listings.deadline") == 0
    with time_machine.travel(end - timedelta(hours=70)):
        assert run_rule("listings.deadline") == 1
        assert run_rule("listings.deadline") == 0
    with time_machine.travel(end - timedelta(hours=23)):
        assert run_rule("listings.deadline") == 1
    with time_machine.travel(end + timedelta(hours=1)):
        assert run_rule("listings.deadline") == 0
    assert Notification.objects.filter(kind="listings.deadline", recipient=saver).count() == 2
    assert not Notification.objects.filter(recipient=applicant, kind="listings.deadline").exists()


def test_a_late_save_gets_only_the_nearest_reminder():
    listing = ListingFactory(published=True)
    SavedListing.objects.create(user=StudentFactory(), listing=listing)
    with time_machine.travel(listing.deadline_at - timedelta(hours=10)):
        assert run_rule("listings.deadline") == 1
    assert sent("listings.deadline")[0].startswith("listings.deadline:24h:")


def test_deadline_reminders_take_the_same_queries_for_any_number_of_savers():
    # Every field the email shows is read with the saved listings (DEADLINE_FIELDS): one
    # it starts to use without being listed there would cost a query per reminder.
    listing = ListingFactory(published=True, title="Catalogue the archive")
    savers = [StudentFactory(first_name="Ada", last_name=f"Saver{n}") for n in range(6)]
    SavedListing.objects.create(user=savers[0], listing=listing)

    def queries_for_a_run() -> int:
        Notification.objects.all().delete()
        with time_machine.travel(listing.deadline_at - timedelta(hours=70)):
            with CaptureQueriesContext(connection) as captured:
                run_rule("listings.deadline")
        return len(captured.captured_queries)

    one = queries_for_a_run()
    for saver in savers[1:]:
        SavedListing.objects.create(user=saver, listing=listing)
    assert queries_for_a_run() == one
    emails = Notification.objects.filter(kind="listings.deadline")
    assert emails.count() == 6
    body = emails.get(recipient=savers[3]).body_text
    assert "Hello Ada Saver3" in body
    assert "Catalogue the archive" in body
    assert listing.organization.name in body


# --- Moderation digest -----------------------------------------------------------------------------


def test_staff_get_one_digest_a_day_of_listings_waiting_over_a_day():
    staff = StaffFactory()
    listing = ListingFactory(submitted=True)
    with time_machine.travel(listing.submitted_at + timedelta(hours=2)):
        assert run_rule("listings.moderation_digest") == 0
    with time_machine.travel(listing.submitted_at + timedelta(hours=25)):
        assert run_rule("listings.moderation_digest") == 1
        assert run_rule("listings.moderation_digest") == 0
    digest = Notification.objects.get(kind="listings.moderation_digest")
    assert digest.recipient == staff and listing.title in digest.body_text


# --- Decide on applicants ------------------------------------------------------------------------------


def test_employers_are_reminded_2_and_7_days_after_the_deadline_then_staff(employer, organization):
    staff = StaffFactory()
    listing = ListingFactory(published=True, organization=organization)
    ApplicationFactory(listing=listing, status=S.VIEWED)
    ApplicationFactory(listing=listing, status=S.NOT_SELECTED)
    deadline = listing.application_deadline
    for days, expected in [(1, 0), (2, 1), (3, 0), (7, 1), (13, 0), (14, 1)]:
        with time_machine.travel(at(deadline + timedelta(days=days))):
            assert run_rule("applications.decide") == expected, days
    kinds = list(
        Notification.objects.order_by("pk").values_list("kind", "recipient__email", "dedupe_key")
    )
    assert [(k, e) for k, e, _ in kinds] == [
        ("applications.decide", employer.email),
        ("applications.decide", employer.email),
        ("applications.decide_staff", staff.email),
    ]
    assert "2 applicant" not in Notification.objects.first().subject  # one undecided, not two


def test_no_decide_reminder_once_everyone_has_an_answer(employer, organization):
    listing = ListingFactory(published=True, organization=organization)
    application = ApplicationFactory(listing=listing)
    application.not_select(by=employer)
    with time_machine.travel(at(listing.application_deadline + timedelta(days=3))):
        assert run_rule("applications.decide") == 0


# --- Offer expiring --------------------------------------------------------------------------------------


def test_offer_expiring_reminder_24_hours_before(employer, organization, settings):
    settings.OFFER_RESPONSE_DAYS = 3
    application = ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization)
    )
    application.offer(by=employer)
    expires = Application.objects.get(pk=application.pk).offer_expires_at
    with time_machine.travel(expires - timedelta(hours=30)):
        assert run_rule("applications.offer_expiring") == 0
    with time_machine.travel(expires - timedelta(hours=20)):
        assert run_rule("applications.offer_expiring") == 1
        assert run_rule("applications.offer_expiring") == 0
    with time_machine.travel(expires + timedelta(hours=1)):
        assert run_rule("applications.offer_expiring") == 0


# --- Project due and overdue ---------------------------------------------------------------------------------


def test_due_reminders_3_and_1_days_before_then_overdue_to_both(employer, organization):
    listing = ListingFactory(published=True, organization=organization)
    application = ApplicationFactory(listing=listing, status=S.ACCEPTED)
    due = listing.due_date
    for days_before, expected in [(4, 0), (3, 1), (2, 0), (1, 1), (0, 0)]:
        with time_machine.travel(at(due - timedelta(days=days_before))):
            assert run_rule("applications.project_due") == expected, days_before
    with time_machine.travel(at(due + timedelta(days=1))):
        assert run_rule("applications.project_due") == 2  # student and the employer
        assert run_rule("applications.project_due") == 0
    overdue = set(
        Notification.objects.filter(kind="applications.overdue").values_list("recipient", flat=True)
    )
    assert overdue == {application.student_id, employer.pk}


def test_submitted_work_is_never_overdue(organization):
    listing = ListingFactory(published=True, organization=organization)
    ApplicationFactory(listing=listing, status=S.WORK_SUBMITTED)
    with time_machine.travel(at(listing.due_date + timedelta(days=2))):
        assert run_rule("applications.project_due") == 0


# --- Feedback ---------------------------------------------------------------------------------------------------


def test_feedback_reminders_at_2_and_7_days_to_the_side_that_has_not_given_it(
    employer, organization
):
    application = ApplicationFactory(
        status=S.WORK_SUBMITTED, listing=ListingFactory(published=True, organization=organization)
    )
    application.complete(by=employer)
    Feedback.give(application=application, author=employer, rating=5)
    completed_at = Application.objects.get(pk=application.pk).completed_at
    for days, expected in [(1, 0), (2, 1), (3, 0), (7, 1), (8, 0)]:
        with time_machine.travel(completed_at + timedelta(days=days, hours=1)):
            assert run_rule("applications.feedback") == expected, days
    recipients = set(
        Notification.objects.filter(kind="applications.feedback_reminder").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {application.student_id}


# --- The command ------------------------------------------------------------------------------------------------------


def test_send_reminders_prints_each_rule_and_sends_nothing_the_second_time(
    mailoutbox, capsys, organization
):
    listing = ListingFactory(published=True, organization=organization)
    SavedListing.objects.create(user=StudentFactory(), listing=listing)
    with time_machine.travel(listing.deadline_at - timedelta(hours=5)):
        call_command("send_reminders")
        first = capsys.readouterr().out
        call_command("send_reminders")
        second = capsys.readouterr().out
    assert "listings.deadline: 1 queued" in first
    assert "applications.feedback: 0 queued" in first
    assert "listings.deadline: 0 queued" in second
    assert len(mailoutbox) == 1
