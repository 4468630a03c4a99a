"""Each admin site opens on what is waiting for the person signed in, with where to go."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organization
from listings.models import ListingReport
from tests.factories import (
    ApplicationFactory,
    ListingFactory,
    OrganizationFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


def todo(client, path: str) -> list[tuple[str, str, str]]:
    """(link, words, detail) of each line of the home page's "What needs you"."""
    content = client.get(path).content.decode()
    section = re.search(r'<section class="module todo".*?</section>', content, re.S).group(0)
    return [
        (
            html.unescape(url),
            html.unescape(" ".join(re.sub(r"<[^>]+>", " ", words).split())),
            html.unescape(detail.strip()),
        )
        for url, words, detail in re.findall(
            r'<li><a href="([^"]+)">(.*?)</a>(?: <span class="todo-detail">(.*?)</span>)?</li>',
            section,
            re.S,
        )
    ]


def test_staff_see_the_queue_the_reports_and_the_organizations_to_verify(login, staff):
    week_ago = timezone.now() - datetime.timedelta(days=6)
    ListingFactory(submitted=True, submitted_at=week_ago)
    ListingFactory(submitted=True)
    OrganizationFactory(verification=Organization.Verification.PENDING)

    lines = todo(login(staff), "/staff/")

    assert lines[0] == (
        "/staff/listings/listing/?status=submitted",
        "2 listings wait for review",
        "The oldest has waited 6 days.",
    )
    assert lines[1][0] == "/staff/accounts/organization/?verification__exact=pending"
    assert lines[1][1] == "1 organization waits to be verified"


def test_each_staff_link_opens_the_list_it_counts(login, staff):
    ListingFactory(submitted=True)
    OrganizationFactory(verification=Organization.Verification.PENDING)
    client = login(staff)

    for url, words, _detail in todo(client, "/staff/"):
        response = client.get(url)
        assert response.status_code == 200, url
        count = int(words.split()[0])
        assert response.context["cl"].result_count == count, url


def test_employers_see_their_own_applicants_waiting_and_nothing_of_others(
    login, employer, organization, other_organization
):
    mine = ListingFactory(published=True, organization=organization)
    ApplicationFactory(listing=mine, student=StudentFactory())
    ApplicationFactory(listing=mine, student=StudentFactory())
    theirs = ListingFactory(published=True, organization=other_organization)
    ApplicationFactory(listing=theirs, student=StudentFactory())
    ListingFactory(organization=organization, status="changes_requested")
    client = login(employer)

    lines = todo(client, "/employer/")

    words = [line[1] for line in lines]
    assert "2 applicants wait for your decision" in words
    assert "1 listing was sent back for changes: make them and submit it again" in words
    assert_each_link_opens_what_it_counts(client, lines)


def assert_each_link_opens_what_it_counts(client, lines) -> None:
    """A line counting several things opens their list, filtered; one thing, its own page."""
    for url, text, _detail in lines:
        response = client.get(url)
        assert response.status_code == 200, url
        count = int(text.split()[0])
        if "cl" in response.context:
            assert response.context["cl"].result_count == count, url
        else:
            assert count == 1 and url.endswith("/change/"), url


def test_nothing_waiting_says_so(login, employer):
    content = login(employer).get("/employer/").content.decode()

    assert "Nothing is waiting for you right now." in content


@pytest.mark.parametrize("path", ["/staff/", "/employer/"])
def test_the_home_page_costs_the_same_queries_however_much_waits(
    login, staff, employer, organization, path
):
    person = staff if path == "/staff/" else employer
    client = login(person)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        return len(captured)

    listing = ListingFactory(published=True, organization=organization)
    ApplicationFactory(listing=listing, student=StudentFactory())
    ListingFactory(submitted=True)
    few = queries()
    for _ in range(4):
        ApplicationFactory(listing=listing, student=StudentFactory())
        ListingFactory(submitted=True)
        OrganizationFactory(verification=Organization.Verification.PENDING)
    assert queries() == few


def test_staff_see_open_reports_and_how_many_listings_they_are_about(login, staff):
    reported, other = ListingFactory(published=True), ListingFactory(published=True)
    for listing in (reported, reported, other):
        ListingReport.file(
            listing=listing, reporter=StudentFactory(), reason=ListingReport.Reason.OTHER
        )

    lines = todo(login(staff), "/staff/")

    (reports,) = [line for line in lines if "report" in line[1]]
    assert reports[1] == "3 reports of suspicious listings are open"
    assert reports[2] == "On 2 listings. The oldest arrived today."
    assert reports[0] == "/staff/listings/listingreport/?status=open"


# --- The employer's whole list, most urgent first --------------------------------------------


def test_employers_see_every_kind_of_work_waiting_with_its_date_and_link(
    login, employer, organization
):
    today = timezone.localdate()
    closed = ListingFactory(
        published=True,
        organization=organization,
        application_deadline=today - datetime.timedelta(days=3),
    )
    ApplicationFactory(listing=closed, student=StudentFactory())
    ApplicationFactory(listing=closed, student=StudentFactory(), status="viewed")
    ApplicationFactory(
        listing=closed,
        student=StudentFactory(),
        status="offered",
        offer_expires_at=timezone.now() + datetime.timedelta(days=2),
    )
    ApplicationFactory(listing=closed, student=StudentFactory(), status="completed")
    ApplicationFactory(listing=closed, student=StudentFactory(), status="work_submitted")
    soon = ListingFactory(
        published=True,
        organization=organization,
        title="Index our archive",
        openings=3,
        application_deadline=today + datetime.timedelta(days=2),
    )
    ApplicationFactory(listing=soon, student=StudentFactory())
    client = login(employer)

    lines = todo(client, "/employer/")

    words = [text for _url, text, _detail in lines]
    assert words == [
        "3 applicants wait for your decision",
        "1 student handed in work for you to review",
        "1 offer waits for the student's answer",
        "1 finished engagement waits for your feedback",
        "1 completed engagement waits for you to record the payment",
        "1 listing closes soon with fewer applicants than openings",
    ]
    details = {text: detail for _url, text, detail in lines}
    closed.refresh_from_db()
    decide_by = closed.decide_by  # the date the applicants were given
    assert decide_by == closed.application_deadline + datetime.timedelta(days=21)
    assert details["3 applicants wait for your decision"] == (
        f"2 not read yet. The first decision is due by {decide_by.day} {decide_by:%B}."
    )
    assert "“Index our archive” closes" in details[words[-1]]
    assert_each_link_opens_what_it_counts(client, lines)


def test_a_listing_sent_back_says_what_the_career_center_asked(
    login, employer, organization, staff
):
    listing = ListingFactory(organization=organization, title="Tidy our shelves")
    listing.submit(by=employer)
    listing.request_changes(by=staff, reason="missing_information", note="Say how many shelves.")
    client = login(employer)

    (line,) = todo(client, "/employer/")

    assert line == (
        f"/employer/listings/listing/{listing.pk}/change/",
        "1 listing was sent back for changes: make them and submit it again",
        "“Tidy our shelves”: Say how many shelves.",
    )


def overview(client, path: str) -> list[tuple[str, str]]:
    content = client.get(path).content.decode()
    found = re.search(r'<section class="module overview".*?</section>', content, re.S)
    if not found:
        return []
    return [
        (url, " ".join(re.sub(r"<[^>]+>", " ", words).split()))
        for url, words in re.findall(r'<li><a href="([^"]+)">(.*?)</a>', found.group(0), re.S)
    ]


def test_employers_see_their_listings_by_status(login, employer, organization):
    ListingFactory(published=True, organization=organization)
    ListingFactory(published=True, organization=organization)
    ListingFactory(organization=organization)
    ListingFactory(published=True)  # another organization's

    lines = overview(login(employer), "/employer/")

    assert lines == [
        ("/employer/listings/listing/?status__exact=draft", "1 draft"),
        ("/employer/listings/listing/?status__exact=published", "2 published"),
    ]


def test_an_organization_without_listings_is_told_to_post_its_first(login, employer):
    lines = overview(login(employer), "/employer/")

    assert lines == [("/employer/listings/listing/add/", "Post your first project")]


def test_staff_see_applications_left_undecided_and_exports_in_progress(login, staff):
    from reports.models import Export

    old = ListingFactory(
        published=True, application_deadline=timezone.localdate() - datetime.timedelta(days=20)
    )
    ApplicationFactory(listing=old, student=StudentFactory())
    ApplicationFactory(listing=old, student=StudentFactory(), status="shortlisted")
    ApplicationFactory(
        listing=old,
        student=StudentFactory(),
        status="offered",
        offer_expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    recent = ListingFactory(published=True)
    ApplicationFactory(listing=recent, student=StudentFactory())
    Export.objects.create(
        kind=Export.Kind.LISTINGS, requested_by=staff, delivery=Export.Delivery.values[0]
    )
    client = login(staff)

    lines = todo(client, "/staff/")

    words = [text for _url, text, _detail in lines]
    assert "2 applications have waited for a decision past their due date" in words
    assert "1 export is being prepared" in words
    assert_each_link_opens_what_it_counts(client, lines)


def test_staff_see_how_many_listings_in_the_queue_carry_risk_signals(login, staff):
    ListingFactory(submitted=True, risk_score=40)
    ListingFactory(submitted=True)

    (line, *_rest) = todo(login(staff), "/staff/")

    assert line[1] == "2 listings wait for review"
    assert "1 has risk signals and comes first." in line[2]
