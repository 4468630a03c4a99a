"""Each admin site opens on what is waiting for the person signed in, with where to go."""

from __future__ import annotations

import datetime
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
        (url, " ".join(re.sub(r"<[^>]+>", " ", words).split()), detail.strip())
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
    assert "2 new applications wait to be read" in words
    assert "1 listing was sent back for changes: make them and submit it again" in words
    for url, text, _detail in lines:
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == int(text.split()[0])


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
