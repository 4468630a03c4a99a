"""Halfway check-ins: both sides asked once, 'need help' and silence reach the career center,
and a second run of the reminders sends nothing."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from messaging.models import CheckIn, Message, check_in_date
from messaging.reminders import silent_engagements
from notifications.models import Category, Notification
from notifications.reminders import run_rule
from tests.factories import ApplicationFactory, ListingFactory

pytestmark = pytest.mark.django_db


def at(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def engagement(student, organization, employer):
    listing = ListingFactory(published=True, organization=organization, title="Survey")
    accepted = at(listing.due_date - timedelta(days=20))
    return ApplicationFactory(
        listing=listing, student=student, status="accepted", accepted_at=accepted
    )


def halfway(engagement):
    return at(check_in_date(engagement))


def keys(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("dedupe_key", flat=True))


def check_in_url(application):
    return reverse("messaging:check_in", kwargs={"pk": application.pk})


def test_the_check_in_date_is_halfway_between_acceptance_and_the_due_date(engagement):
    assert check_in_date(engagement) == engagement.listing.due_date - timedelta(days=10)


def test_both_sides_are_asked_once_from_the_halfway_day(engagement, student, employer):
    with time_machine.travel(halfway(engagement) - timedelta(days=1)):
        assert run_rule("messaging.check_in") == 0
    with time_machine.travel(halfway(engagement)):
        assert run_rule("messaging.check_in") == 2
        assert run_rule("messaging.check_in") == 0
    rows = Notification.objects.filter(kind="messaging.check_in")
    assert {row.recipient for row in rows} == {student, employer}
    assert {row.category for row in rows} == {Category.REMINDERS}
    assert all(row.link == check_in_url(engagement) for row in rows)
    assert all(check_in_url(engagement) in row.body_text for row in rows)


def test_a_second_send_reminders_sends_nothing(engagement, staff):
    with time_machine.travel(halfway(engagement) + timedelta(days=8)):
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        first = Notification.objects.filter(kind__startswith="messaging.").count()
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert Notification.objects.filter(kind__startswith="messaging.").count() == first
    assert keys("messaging.check_in_silent") == [
        f"messaging.check_in_silent:{engagement.pk}:{staff.pk}"
    ]


def test_opening_the_emailed_link_changes_nothing_and_a_button_answers(login, engagement, student):
    with time_machine.travel(halfway(engagement)):
        client = login(student)
        page = client.get(check_in_url(engagement))
        assert page.status_code == 200 and "On track" in page.content.decode()
        assert not CheckIn.objects.exists()
        response = client.post(check_in_url(engagement), {"answer": "on_track"})
        assert response["Location"] == engagement.get_absolute_url() + "#conversation"
        assert CheckIn.objects.get().side == "student"
        assert run_rule("messaging.check_in") == 1  # the organization is still asked
        again = client.post(check_in_url(engagement), {"answer": "need_help"})
        assert again.status_code == 302
        assert CheckIn.objects.get().answer == "on_track"


def test_the_check_in_shows_on_both_pages_while_open(login, engagement, student, employer):
    change = reverse("employer:applications_application_change", args=[engagement.pk])
    with time_machine.travel(halfway(engagement) - timedelta(days=1)):
        assert (
            "how is the work going"
            not in login(student).get(engagement.get_absolute_url()).content.decode()
        )
    with time_machine.travel(halfway(engagement)):
        assert (
            "how is the work going"
            in login(student).get(engagement.get_absolute_url()).content.decode()
        )
        assert "is the work on track" in login(employer).get(change).content.decode()
        login(employer).post(check_in_url(engagement), {"answer": "on_track"})
        assert "your organization answered" in login(employer).get(change).content.decode()


def test_need_help_tells_the_career_center_and_shows_on_the_staff_home(
    login, engagement, employer, staff
):
    with time_machine.travel(halfway(engagement)):
        login(employer).post(check_in_url(engagement), {"answer": "need_help"})
    check_in = CheckIn.objects.get()
    assert check_in.side == "organization" and check_in.by == employer
    (notice,) = Notification.objects.filter(kind="messaging.check_in_help")
    assert notice.recipient == staff and "boss@northwind.test" in notice.body_text
    client = login(staff)
    home = client.get(reverse("admin:index")).content.decode()
    assert "engagement needs the career center" in home
    page = client.get(reverse("messaging_staff:check_ins")).content.decode()
    assert reverse("admin:applications_application_change", args=[engagement.pk]) in page
    client.post(reverse("messaging_staff:check_in_handled", kwargs={"pk": check_in.pk}))
    check_in.refresh_from_db()
    assert check_in.handled_by == staff
    assert "engagement needs" not in client.get(reverse("admin:index")).content.decode()


def test_silence_after_the_check_in_tells_the_career_center(engagement, student, staff):
    with time_machine.travel(halfway(engagement) + timedelta(days=6)):
        assert run_rule("messaging.check_in_silent") == 0
    with time_machine.travel(halfway(engagement) + timedelta(days=7)):
        assert silent_engagements() == [engagement]
        assert run_rule("messaging.check_in_silent") == 1
        assert run_rule("messaging.check_in_silent") == 0


def test_a_recent_message_or_an_answer_is_not_silence(engagement, student):
    with time_machine.travel(halfway(engagement) + timedelta(days=5)):
        Message.write(application=engagement, author=student, body="Going well.")
    with time_machine.travel(halfway(engagement) + timedelta(days=8)):
        assert silent_engagements() == []
    with time_machine.travel(halfway(engagement) + timedelta(days=13)):
        assert silent_engagements() == [engagement]
        CheckIn.objects.create(application=engagement, side="student", answer="on_track")
        assert silent_engagements() == []


def test_no_check_in_once_the_work_is_over(login, engagement, student):
    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    with time_machine.travel(halfway(engagement)):
        assert run_rule("messaging.check_in") == 0
        response = login(student).post(check_in_url(engagement), {"answer": "need_help"})
        assert response.status_code == 302
        assert not CheckIn.objects.exists()
        engagement.status = "work_submitted"
        engagement.save(update_fields=["status"])
        assert run_rule("messaging.check_in") == 2
