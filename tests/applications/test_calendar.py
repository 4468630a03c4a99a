"""The student's deadlines calendar: its private subscription address and its events (RFC 5545)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
import vobject
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from applications.models import CalendarFeed
from applications.privacy import delete_student_account
from listings.models import Listing, SavedListing
from tests.factories import ApplicationFactory, ListingFactory, StudentFactory
from tests.test_templates import assert_no_inline_style_or_script

pytestmark = pytest.mark.django_db

LIST_URL = reverse("applications:list")
CALENDAR_URL = reverse("applications:calendar")
ADDRESS_URL = reverse("applications:calendar_address")
#: The domain that makes every event's UID unique across calendars.
DOMAIN = urlsplit(settings.SITE_URL).hostname


def feed_url(student) -> str:
    """The student's private address (asked for once, as the "Get" button does)."""
    feed = CalendarFeed.objects.filter(user=student).first() or CalendarFeed.issue(student)[0]
    return feed.get_absolute_url()


def read(content: bytes) -> dict[str, dict]:
    """The feed's events by UID, as icalendar reads them."""
    calendar = Calendar.from_ical(content)
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "status": str(event["STATUS"]),
            "sequence": int(event["SEQUENCE"]),
            "start": event.decoded("DTSTART"),
            "event": event,
        }
        for event in calendar.walk("VEVENT")
    }


def subscribe(student) -> dict[str, dict]:
    """What a calendar app holding the student's address reads (no session)."""
    response = Client().get(feed_url(student))
    assert response.status_code == 200
    return read(response.content)


def by_summary(events: dict[str, dict]) -> dict[str, dict]:
    return {event["summary"]: {**event, "uid": uid} for uid, event in events.items()}


def move_dates(listing: Listing, *, by, deadline_days: int = 0, due_days: int = 0) -> None:
    """The organization moves the listing's dates, as its edit form does."""
    listing = Listing.objects.get(pk=listing.pk)
    before = listing.snapshot()
    listing.application_deadline += timedelta(days=deadline_days)
    listing.due_date += timedelta(days=due_days)
    listing.save()
    assert listing.record_edit(by=by, before=before)


@pytest.fixture
def listing(organization):
    return ListingFactory(published=True, organization=organization, title="Survey dashboard")


# --- What the calendar holds -----------------------------------------------------------------


def test_calendar_holds_the_students_deadlines(login, student, other_student, organization):
    def make(title, **fields):
        return ApplicationFactory(
            listing=ListingFactory(published=True, organization=organization, title=title),
            **fields,
        )

    pending = make("Alpha", student=student)
    offered = make("Beta", student=student, status="offered")
    accepted = make("Gamma", student=student, status="accepted")
    make("Delta", student=student, status="completed")
    make("Zeta", student=other_student)

    response = login(student).get(CALENDAR_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="microintern-deadlines.ics"'
    events = by_summary(read(response.content))
    assert set(events) == {
        "Applications close: Alpha (Northwind Test)",
        "Respond to the offer: Beta (Northwind Test)",
        "Work due: Gamma (Northwind Test)",
    }
    closes = events["Applications close: Alpha (Northwind Test)"]
    assert closes["start"] == pending.listing.application_deadline
    assert closes["uid"] == f"application-{pending.pk}-deadline@{DOMAIN}"
    offer = events["Respond to the offer: Beta (Northwind Test)"]["event"]
    assert offer.decoded("DTEND") == offered.offer_expires_at.replace(microsecond=0)
    due = events["Work due: Gamma (Northwind Test)"]
    assert due["start"] == accepted.listing.due_date
    assert str(due["event"]["URL"]).endswith(accepted.get_absolute_url())
    assert {event["status"] for event in events.values()} == {"CONFIRMED"}
    for event in events.values():
        assert event["event"].decoded("DTSTAMP")
        assert event["event"].decoded("LAST-MODIFIED")


def test_calendar_is_empty_without_deadlines(login, student):
    calendar = Calendar.from_ical(login(student).get(CALENDAR_URL).content)

    assert calendar.walk("VEVENT") == []


def test_saved_listings_deadlines_are_in_the_calendar(student, organization):
    saved = ListingFactory(published=True, organization=organization, title="Saved one")
    SavedListing.save_for(user=student, listing=saved)
    applied = ListingFactory(published=True, organization=organization, title="Saved, applied")
    SavedListing.save_for(user=student, listing=applied)
    application = ApplicationFactory(listing=applied, student=student)
    closed = ListingFactory(published=True, organization=organization, title="Saved, closed")
    SavedListing.save_for(user=student, listing=closed)
    closed.close(by=None)

    events = by_summary(subscribe(student))

    assert set(events) == {
        "Apply by: Saved one (Northwind Test)",
        "Applications close: Saved, applied (Northwind Test)",
    }
    apply_by = events["Apply by: Saved one (Northwind Test)"]
    assert apply_by["uid"] == f"saved-{saved.pk}-deadline@{DOMAIN}"
    assert apply_by["start"] == saved.application_deadline
    assert str(apply_by["event"]["URL"]).endswith(saved.get_absolute_url())
    # Applying replaces the saved listing's event with the application's, never both.
    closes = events["Applications close: Saved, applied (Northwind Test)"]
    assert closes["uid"] == f"application-{application.pk}-deadline@{DOMAIN}"


def test_a_saved_listing_cancelled_stays_cancelled_for_30_days(student, employer, listing):
    SavedListing.save_for(user=student, listing=listing)
    before = subscribe(student)
    uid = f"saved-{listing.pk}-deadline@{DOMAIN}"

    listing.cancel(by=employer, note="The budget was cut.")

    event = subscribe(student)[uid]
    assert event["status"] == "CANCELLED"
    assert event["summary"] == "Cancelled: Apply by: Survey dashboard (Northwind Test)"
    assert event["sequence"] > before[uid]["sequence"]
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert subscribe(student) == {}


@pytest.mark.parametrize("answer", ["decline", "withdraw", "expire_offer"])
def test_an_offer_called_off_is_cancelled_then_dropped(student, employer, listing, answer):
    application = ApplicationFactory(listing=listing, student=student)
    application.offer(by=employer)
    offered = subscribe(student)
    uid = f"application-{application.pk}-offer@{DOMAIN}"
    assert offered[uid]["status"] == "CONFIRMED"

    if answer == "expire_offer":
        application.expire_offer()
    else:
        getattr(application, answer)(by=student)

    events = subscribe(student)
    assert set(events) == {uid}
    assert events[uid]["status"] == "CANCELLED"
    assert events[uid]["summary"].startswith("Cancelled: Respond to the offer")
    assert events[uid]["sequence"] > offered[uid]["sequence"]
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert subscribe(student) == {}


def test_an_accepted_offer_leaves_the_offer_for_the_work_due(student, employer, listing):
    application = ApplicationFactory(listing=listing, student=student)
    application.offer(by=employer)
    application.accept(by=student)

    events = subscribe(student)

    assert set(events) == {f"application-{application.pk}-due@{DOMAIN}"}
    assert events[f"application-{application.pk}-due@{DOMAIN}"]["status"] == "CONFIRMED"


def test_a_withdrawn_application_cancels_its_deadline(student, listing):
    application = ApplicationFactory(listing=listing, student=student)
    uid = f"application-{application.pk}-deadline@{DOMAIN}"
    before = subscribe(student)[uid]

    application.withdraw(by=student)

    after = subscribe(student)[uid]
    assert after["status"] == "CANCELLED"
    assert after["sequence"] > before["sequence"]
    assert after["start"] == before["start"]


def test_a_cancelled_project_cancels_the_applications_events(student, employer, organization):
    listing = ListingFactory(published=True, organization=organization, openings=3)
    waiting = ApplicationFactory(listing=listing, student=student)
    working = ApplicationFactory(listing=listing, student=StudentFactory())
    working.offer(by=employer)
    working.accept(by=working.student)
    offered = ApplicationFactory(listing=listing, student=StudentFactory())
    offered.offer(by=employer)
    waiting_uid = f"application-{waiting.pk}-deadline@{DOMAIN}"
    due_uid = f"application-{working.pk}-due@{DOMAIN}"
    offer_uid = f"application-{offered.pk}-offer@{DOMAIN}"
    assert subscribe(working.student)[due_uid]["status"] == "CONFIRMED"

    Listing.objects.get(pk=listing.pk).cancel(by=employer, note="The budget was cut.")

    for person, uid in [
        (student, waiting_uid),
        (working.student, due_uid),
        (offered.student, offer_uid),
    ]:
        event = subscribe(person)[uid]
        assert event["status"] == "CANCELLED", uid
        assert "Northwind Test cancelled the project." in str(event["event"]["DESCRIPTION"])


def test_sequence_rises_when_a_date_moves_and_the_uid_stays(student, employer, organization):
    listing = ListingFactory(published=True, organization=organization, openings=2)
    application = ApplicationFactory(listing=listing, student=student)
    application.offer(by=employer)
    application.accept(by=student)
    uid = f"application-{application.pk}-due@{DOMAIN}"
    first = subscribe(student)
    assert subscribe(student).keys() == first.keys()  # the same UIDs on every read

    move_dates(listing, by=employer, due_days=7)

    moved = subscribe(student)
    assert moved.keys() == first.keys()
    assert moved[uid]["start"] == first[uid]["start"] + timedelta(days=7)
    assert moved[uid]["sequence"] > first[uid]["sequence"]
    assert moved[uid]["event"].decoded("LAST-MODIFIED") >= first[uid]["event"].decoded(
        "LAST-MODIFIED"
    )


def test_sequence_of_a_saved_deadline_never_goes_down(student, employer, listing):
    SavedListing.save_for(user=student, listing=listing)
    uid = f"saved-{listing.pk}-deadline@{DOMAIN}"
    sequences = [subscribe(student)[uid]["sequence"]]

    move_dates(listing, by=employer, deadline_days=2)
    Listing.objects.get(pk=listing.pk).approve(by=None)  # back online after review
    sequences.append(subscribe(student)[uid]["sequence"])
    Listing.objects.get(pk=listing.pk).cancel(by=employer, note="Filled elsewhere.")
    sequences.append(subscribe(student)[uid]["sequence"])

    assert sequences == sorted(set(sequences))


def test_both_parsers_read_the_same_feed(student, employer, organization):
    ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization, title="Alpha; β, “γ”"),
        student=student,
    )
    offered = ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization), student=student
    )
    offered.offer(by=employer)
    SavedListing.save_for(user=student, listing=ListingFactory(published=True, title="Saved"))
    withdrawn = ApplicationFactory(listing=ListingFactory(published=True), student=student)
    withdrawn.withdraw(by=student)
    content = Client().get(feed_url(student)).content

    first = read(content)
    second = vobject.readOne(content.decode())
    second.validate()
    other = {
        event.uid.value: {
            "summary": event.summary.value,
            "status": event.status.value,
            "sequence": int(event.sequence.value),
            "start": event.dtstart.value,
        }
        for event in second.vevent_list
    }

    assert len(first) == 4
    assert other == {
        uid: {key: value for key, value in event.items() if key != "event"}
        for uid, event in first.items()
    }
    assert second.prodid.value == "-//MicroIntern//Student deadlines//EN"
    # Subscribed calendars are asked to read it again every 6 hours (RFC 7986, and Outlook).
    assert second.contents["refresh-interval"][0].value == "PT6H"
    assert second.contents["x-published-ttl"][0].value == "PT6H"


# --- The private subscription address ------------------------------------------------------


def test_the_address_works_without_a_session_and_sets_none(student, listing):
    ApplicationFactory(listing=listing, student=student)

    response = Client().get(feed_url(student))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert by_summary(read(response.content)).keys() == {
        "Applications close: Survey dashboard (Northwind Test)"
    }


def test_the_address_answers_anyone_holding_it_the_same(login, student, other_student, listing):
    ApplicationFactory(listing=listing, student=student)
    url = feed_url(student)

    answers = [Client().get(url).content, login(other_student).get(url).content]

    assert read(answers[0]).keys() == read(answers[1]).keys()
    assert len(read(answers[1])) == 1


@pytest.mark.parametrize("token", ["not-a-token", "x" * 32])
def test_an_unknown_address_is_a_404(student, token):
    feed_url(student)

    response = Client().get(reverse("applications:calendar_feed", kwargs={"token": token}))

    assert response.status_code == 404


def test_a_deactivated_students_address_is_a_404(student):
    url = feed_url(student)
    student.is_active = False
    student.save(update_fields=["is_active"])

    assert Client().get(url).status_code == 404


def test_a_student_asks_for_an_address_by_post_and_sees_it_to_copy(login, student):
    client = login(student)
    page = client.get(LIST_URL).content.decode()
    assert "calendar-feed-url" not in page
    assert "Get my calendar address" in page
    assert not CalendarFeed.objects.filter(user=student).exists()  # a GET makes nothing

    response = client.post(ADDRESS_URL, follow=True)

    url = CalendarFeed.objects.get(user=student).get_absolute_url()
    assert response.redirect_chain == [(f"{LIST_URL}#calendar", 302)]
    content = response.content.decode()
    assert "Your private calendar address is ready" in content
    assert f'value="http://testserver{url}" readonly' in content
    assert 'data-copy-target="calendar-feed-url"' in content
    assert "Reset link" in content
    assert "js/copy-link" in content
    assert_no_inline_style_or_script(content)
    assert Client().get(url).status_code == 200


def test_the_applications_page_of_a_non_student_shows_no_address(login, employer):
    response = login(employer).get(LIST_URL)

    assert response.status_code == 200
    assert b'id="calendar"' not in response.content


def test_resetting_revokes_the_old_address(login, student, listing):
    ApplicationFactory(listing=listing, student=student)
    old = feed_url(student)

    response = login(student).post(ADDRESS_URL, follow=True)

    new = feed_url(student)
    assert new != old
    assert response.redirect_chain == [(f"{LIST_URL}#calendar", 302)]
    assert "no longer receive your deadlines" in response.content.decode()
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert CalendarFeed.objects.get(user=student).reset_at is not None


def test_addresses_are_for_students_and_by_post_only(login, student, employer):
    old = feed_url(student)

    assert login(student).get(ADDRESS_URL).status_code == 405
    assert login(employer).post(ADDRESS_URL).status_code == 404
    assert not CalendarFeed.objects.filter(user=employer).exists()
    assert Client().get(old).status_code == 200


def test_the_data_download_names_the_address_and_deleting_the_account_revokes_it(login, student):
    assert login(student).get(reverse("privacy_data")).json()["calendar_address"] is None
    url = feed_url(student)

    data = login(student).get(reverse("privacy_data")).json()
    assert data["calendar_address"]["address"] == url

    delete_student_account(student)
    assert Client().get(url).status_code == 404


def test_the_feed_costs_the_same_queries_however_many_deadlines(student, organization):
    def queries() -> int:
        url = feed_url(student)
        client = Client()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add_some(count: int) -> None:
        for _ in range(count):
            ApplicationFactory(
                listing=ListingFactory(published=True, organization=organization),
                student=student,
            )
            ApplicationFactory(
                listing=ListingFactory(published=True, organization=organization),
                student=student,
                status="accepted",
            )
            SavedListing.save_for(
                user=student, listing=ListingFactory(published=True, organization=organization)
            )

    add_some(1)
    few = queries()
    add_some(5)
    many = queries()

    assert few == many <= 3
    assert len(subscribe(student)) == 18
