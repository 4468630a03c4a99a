"""The conversation on an application: who writes, what each side sees, the email digest,
the scam guard, reports and the staff's view of reported threads only."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from listings.models import Listing
from messaging.models import Message, MessageReport
from messaging.scam import warnings_in
from notifications.delivery import deliver_due
from notifications.models import Category, Notification, NotificationPreference
from tests.factories import ApplicationFactory, EmployerFactory, ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(student, organization, employer):
    listing = ListingFactory(published=True, organization=organization, title="Data cleanup")
    return ApplicationFactory(listing=listing, student=student)


def thread_url(application):
    return reverse("messaging:write", kwargs={"pk": application.pk})


def emails(kind="messaging.message", **filters):
    return list(Notification.objects.filter(kind=kind, **filters).order_by("pk"))


# --- Writing ------------------------------------------------------------------------------------


def test_the_student_asks_and_the_organization_answers(login, application, student, employer):
    response = login(student).post(thread_url(application), {"body": "When would we start?"})
    assert response.status_code == 302
    assert response["Location"] == application.get_absolute_url() + "#conversation"

    login(employer)
    page = login(employer).get(
        reverse("employer:applications_application_change", args=[application.pk])
    )
    assert "When would we start?" in page.content.decode()
    response = login(employer).post(
        thread_url(application), {"body": "Next Monday, see https://northwind.test/plan"}
    )
    assert response["Location"].endswith(
        f"/employer/applications/application/{application.pk}/change/#conversation"
    )

    page = login(student).get(application.get_absolute_url()).content.decode()
    assert page.index("When would we start?") < page.index("Next Monday")
    assert 'href="https://northwind.test/plan" rel="nofollow ugc noopener"' in page
    sides = list(Message.objects.values_list("side", flat=True))
    assert sides == ["student", "organization"]


def test_no_one_else_writes(login, application, other_student, other_employer, staff):
    for person in (other_student, other_employer, staff):
        response = login(person).post(thread_url(application), {"body": "Hello"})
        assert response.status_code == 404
    assert not Message.objects.exists()
    with pytest.raises(ValidationError):
        Message.write(application=application, author=other_employer, body="Cold message")


def test_messages_are_plain_text(login, application, student, employer):
    login(student).post(thread_url(application), {"body": "<script>alert(1)</script> <b>hi</b>"})
    page = (
        login(employer)
        .get(reverse("employer:applications_application_change", args=[application.pk]))
        .content.decode()
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;hi&lt;/b&gt;" in page


def test_an_empty_or_long_message_is_refused_with_the_text_kept(login, application, student):
    client = login(student)
    assert client.post(thread_url(application), {"body": "   "}).status_code == 400
    long = "x" * 2001
    response = client.post(thread_url(application), {"body": long})
    assert response.status_code == 400
    assert long in response.content.decode()
    assert not Message.objects.exists()


def test_messages_are_rate_limited(login, application, student, settings):
    settings.MESSAGE_RATE_LIMIT = "2/h"
    client = login(student)
    assert client.post(thread_url(application), {"body": "one"}).status_code == 302
    assert client.post(thread_url(application), {"body": "two"}).status_code == 302
    response = client.post(thread_url(application), {"body": "three"})
    assert response.status_code == 429
    assert "three" in response.content.decode()
    assert Message.objects.count() == 2


def test_the_thread_costs_the_same_queries_however_long(
    login, application, student, employer, django_assert_max_num_queries
):
    client = login(student)
    for n in range(2):
        Message.write(application=application, author=employer, body=f"Answer {n}")
    with django_assert_max_num_queries(40) as few:
        client.get(application.get_absolute_url())
    for n in range(10):
        Message.write(application=application, author=employer, body=f"More {n}")
        Message.write(application=application, author=student, body=f"Reply {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(application.get_absolute_url())


# --- Email: at most one per conversation and person per quarter hour ---------------------------


def test_the_first_message_is_emailed_at_once_and_later_ones_wait_in_one_digest(
    application, student, employer
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        Message.write(application=application, author=employer, body="Welcome aboard.")
    first = emails(recipient=student)
    assert len(first) == 1 and first[0].next_attempt_at is None
    assert first[0].category == Category.MESSAGES
    assert "Welcome aboard." in first[0].body_text
    assert first[0].link == application.get_absolute_url() + "#conversation"

    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        Message.write(application=application, author=employer, body="Here is the brief.")
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        Message.write(application=application, author=employer, body="And the data.")
    later = emails(recipient=student)
    assert len(later) == 2
    digest = later[1]
    assert digest.next_attempt_at == first[0].created_at + timedelta(minutes=15)
    assert "Here is the brief." in digest.body_text and "And the data." in digest.body_text
    assert "Welcome aboard." not in digest.body_text
    assert digest.subject.startswith("2 new messages from Northwind Test")

    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        deliver_due(limit=None)
        digest.refresh_from_db()
        assert digest.status == Notification.Status.PENDING
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        deliver_due(limit=None)
        digest.refresh_from_db()
        assert digest.status == Notification.Status.SENT


def test_the_organization_side_each_member_is_emailed_but_never_the_author(
    application, student, employer, organization
):
    colleague = EmployerFactory(membership__organization=organization)
    EmployerFactory(membership__organization=organization, verified_email=False)
    Message.write(application=application, author=student, body="A question.")
    # Never to an address nobody proved they own.
    assert {n.recipient for n in emails()} == {employer, colleague}
    Message.write(application=application, author=employer, body="An answer.")
    assert not emails(recipient=employer, body_text__contains="An answer.")
    assert emails(recipient=student)[0].link == application.get_absolute_url() + "#conversation"
    assert emails(recipient=colleague)[0].link.endswith(
        f"/employer/applications/application/{application.pk}/change/#conversation"
    )


def test_message_emails_can_be_turned_off_and_unsubscribed(application, student, employer):
    NotificationPreference.set(user=student, category=Category.MESSAGES, enabled=False)
    Message.write(application=application, author=employer, body="Hello there.")
    deliver_due(limit=None)
    (row,) = emails(recipient=student)
    assert row.status == Notification.Status.SKIPPED
    assert row.offers_unsubscribe


# --- Scam guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Add me on Telegram @northwind_hr and send the deposit", {"telegram", "deposit"}),
        ("Message us on WhatsApp", {"whatsapp"}),
        ("Write to me on Signal", {"on signal"}),
        ("Buy a gift card and pay to start", {"gift card", "pay to start"}),
        ("We pay in crypto", {"crypto"}),
        ("Call me at +1 415 555 0199", {"phone number +1 415 555 0199"}),
        ("The report is due on 12 May; signal processing is a plus.", set()),
    ],
)
def test_the_scam_guard_finds_off_platform_and_payment_requests(text, found):
    assert set(warnings_in(text, first_from_organization=True)) == found


def test_a_phone_number_is_flagged_only_in_the_first_message():
    assert warnings_in("Call +1 415 555 0199", first_from_organization=False) == []


def test_a_scam_like_message_warns_the_student_and_shows_staff_a_signal(
    login, application, student, employer, staff
):
    Message.write(application=application, author=employer, body="Hi, are you free next week?")
    Message.write(
        application=application,
        author=employer,
        body="Contact me on Telegram @hr_desk, a small deposit is needed for the laptop.",
    )
    page = login(student).get(application.get_absolute_url()).content.decode()
    assert "Be careful: this looks like a scam" in page
    assert "deposit, telegram" in page
    listing = Listing.objects.get(pk=application.listing_id)
    (signal,) = [s for s in listing.risk_signals if s["code"] == "scam_in_messages"]
    assert "telegram" in signal["message"] and "deposit" in signal["message"]
    assert listing.risk_score >= 40
    staff_page = (
        login(staff)
        .get(reverse("admin:listings_listing_change", args=[listing.pk]))
        .content.decode()
    )
    assert "asks to move off the platform or to pay: deposit, telegram" in staff_page
    employer_page = (
        login(employer)
        .get(reverse("employer:applications_application_change", args=[application.pk]))
        .content.decode()
    )
    assert "this looks like a scam" not in employer_page


def test_the_signal_stays_when_the_listing_is_assessed_again(application, employer):
    Message.write(application=application, author=employer, body="Pay the deposit first.")
    listing = Listing.objects.get(pk=application.listing_id)
    fields = listing._risk_fields()
    assert "scam_in_messages" in [s["code"] for s in fields["risk_signals"]]


def test_a_student_message_never_warns(login, application, student):
    Message.write(application=application, author=student, body="My Telegram is @me_student")
    assert Message.objects.get().warnings == []
    assert not Listing.objects.get(pk=application.listing_id).risk_signals


# --- Reports and what staff may read ------------------------------------------------------------


def report_url(message):
    return reverse("messaging:report", kwargs={"pk": message.application_id, "message": message.pk})


def staff_thread(application):
    return reverse("messaging_staff:thread", kwargs={"pk": application.pk})


def test_staff_read_a_thread_only_once_a_message_in_it_is_reported(
    login, application, student, employer, staff
):
    message = Message.write(application=application, author=employer, body="Send gift cards.")
    assert login(staff).get(staff_thread(application)).status_code == 404

    page = login(student).get(report_url(message))
    assert page.status_code == 200 and "Send gift cards." in page.content.decode()
    response = login(student).post(report_url(message), {"reason": "Asks for money"})
    assert response.status_code == 302
    report = MessageReport.objects.get()
    assert report.reporter == student and report.reason == "Asks for money"
    (notice,) = emails("messaging.reported")
    assert notice.recipient == staff and notice.link == staff_thread(application)

    page = login(staff).get(staff_thread(application))
    assert page.status_code == 200 and "Send gift cards." in page.content.decode()
    home = login(staff).get(reverse("admin:index")).content.decode()
    assert "reported message waits for review" in home
    login(staff).post(staff_thread(application))
    assert MessageReport.objects.get().reviewed_by == staff
    home = login(staff).get(reverse("admin:index")).content.decode()
    assert "reported message waits for review" not in home


def test_only_the_recipient_reports_a_message(login, application, student, employer):
    own = Message.write(application=application, author=student, body="My question.")
    assert login(student).post(report_url(own)).status_code == 404
    with pytest.raises(ValidationError):
        MessageReport.file(message=own, reporter=student)
    assert login(employer).post(report_url(own)).status_code == 302
    assert MessageReport.objects.get().reporter == employer


def test_the_employer_and_staff_pages_cost_the_same_queries_however_long_the_thread(
    login, application, student, employer, staff, django_assert_max_num_queries
):
    change = reverse("employer:applications_application_change", args=[application.pk])
    message = Message.write(application=application, author=employer, body="First.")
    MessageReport.file(message=message, reporter=student)
    pages = [(employer, change), (staff, staff_thread(application))]
    pages += [(staff, reverse("messaging_staff:reports")), (staff, reverse("admin:index"))]
    counts = []
    for person, url in pages:
        client = login(person)
        client.get(url)  # warm the per-session caches
        with django_assert_max_num_queries(60) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for n in range(8):
        other = Message.write(application=application, author=employer, body=f"More {n}")
        Message.write(application=application, author=student, body=f"Reply {n}")
        MessageReport.file(message=other, reporter=student)
    for (person, url), count in zip(pages, counts, strict=True):
        client = login(person)
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_staff_do_not_read_messages_in_the_outbox(login, application, employer, staff):
    Message.write(application=application, author=employer, body="Private words here.")
    (row,) = emails()
    page = login(staff).get(reverse("admin:notifications_notification_change", args=[row.pk]))
    assert page.status_code == 200
    assert "Private words here." not in page.content.decode()
    assert "Private between the people in a conversation" in page.content.decode()
