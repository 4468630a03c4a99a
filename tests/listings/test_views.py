"""Public and student-facing listing pages: browse, detail, save, saved, report, organization."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrackRecord
from listings.models import Listing, ListingReport, SavedListing
from tests.factories import (
    EmployerFactory,
    EstablishedStudentFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("listings:list")
SAVED_URL = reverse("listings:saved")
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def detail_url(listing) -> str:
    return reverse("listings:detail", kwargs={"slug": listing.slug})


def save_url(listing) -> str:
    return reverse("listings:save", kwargs={"slug": listing.slug})


def report_url(listing) -> str:
    return reverse("listings:report", kwargs={"slug": listing.slug})


def jsonld_of(response) -> dict:
    blocks = JSONLD.findall(response.content.decode())
    assert len(blocks) == 1
    return json.loads(blocks[0])


# --- Browse ------------------------------------------------------------------------------


def test_list_page_shows_cards_with_everything_a_student_compares(client):
    organization = OrganizationFactory(verified=True, name="Harbour Trust")
    ListingFactory(
        published=True,
        organization=organization,
        title="Volunteer rota app",
        fee=Decimal("750.00"),
        estimated_hours=25,
        location_type="hybrid",
        city="Bristol",
        application_deadline=timezone.localdate() + timedelta(days=3),
        skills=[SkillFactory(name="Django")],
    )
    response = client.get(LIST_URL)
    content = response.content.decode()
    assert "Volunteer rota app" in content
    assert "Harbour Trust" in content
    assert "Verified" in content
    assert "750 USD" in content
    assert "30 USD/h" in content
    assert "About 25 hours" in content
    assert "Hybrid, Bristol" in content
    assert "closes in 3 days" in content
    assert "Django" in content
    assert 'class="card-list"' in content


def test_card_says_closes_today_on_the_last_day(client):
    ListingFactory(published=True, application_deadline=timezone.localdate())
    assert "closes today" in client.get(LIST_URL).content.decode()


def test_list_page_is_accessible_without_javascript(client):
    content = client.get(LIST_URL).content.decode()
    # A plain GET form with a label for every input, and a live region for the count.
    assert f'method="get" action="{LIST_URL}"' in content
    for name in ("q", "industry", "location_type", "min_rate", "max_hours", "sort"):
        assert f'<label class="field-label" for="id_{name}">' in content
    assert "<legend" in content  # the skills checkboxes are a fieldset
    assert 'id="result-count"' in content and 'aria-live="polite"' in content
    assert 'rel="alternate" type="application/atom+xml"' in content
    assert "htmx-2.0.11.min.js" in content and " defer" in content


def test_htmx_request_gets_only_the_results(client):
    ListingFactory(published=True, title="Partial please", location_type="remote")
    response = client.get(
        LIST_URL, {"location_type": "remote"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Partial please" in content
    assert 'data-hx-swap-oob="innerHTML"' in content
    assert "1 open project matches your filters." in content
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(client):
    response = client.get(
        LIST_URL,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def _list_queries(client, count: int) -> int:
    Listing.objects.all().delete()
    skills = [SkillFactory(name="Python"), SkillFactory(name="Excel")]
    for _ in range(count):
        ListingFactory(published=True, skills=skills)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, {"q": "project", "skills": "python", "sort": "fee"})
    assert response.status_code == 200
    assert response.context["paginator"].count == count
    return len(queries)


def test_list_page_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    at_five = _list_queries(client, 5)
    at_fifty = _list_queries(client, 50)
    assert at_five == at_fifty
    for count in (5, 50):
        Listing.objects.all().delete()
        ListingFactory.create_batch(count, published=True, skills=[SkillFactory(name="Python")])
        # cache version, count, page of listings, their skills, industry and skill choices
        with django_assert_num_queries(6):
            assert client.get(LIST_URL).status_code == 200


def _signed_in_list_queries(client, count: int) -> tuple[int, str]:
    """Queries of /listings/ for a signed-in student, with `count` cards that show everything
    a card can: a verified organization with its track record, a city, skills."""
    Listing.objects.all().delete()
    skills = [SkillFactory(name="Python"), SkillFactory(name="Excel")]
    for _ in range(count):
        listing = ListingFactory(published=True, skills=skills, location_type="onsite", city="Lyon")
        TrackRecord.objects.create(
            organization=listing.organization,
            applications=40,
            decided=30,
            decisions=30,
            median_decision_days=3,
            completed=20,
            paid_within_14_days=18,
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_signed_in_list_page_reads_each_card_in_a_constant_number_of_queries(login, student):
    client = login(student)
    at_five, page = _signed_in_list_queries(client, 5)
    at_twenty, page = _signed_in_list_queries(client, 20)
    # Nothing a card shows is read row by row (the list leaves some columns unread).
    assert at_five == at_twenty
    assert page.count('class="card-track-record"') == 20
    assert page.count("Verified<span") == 20
    assert page.count(", Lyon</dd>") == 20


def test_home_page_features_open_listings(client):
    ListingFactory(published=True, title="Featured on the home page")
    ListingFactory(closed=True, title="Closed, not featured")
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert "Featured on the home page" in content
    assert "Closed, not featured" not in content
    assert "Short, paid projects that give students real experience" in content


# --- Detail ------------------------------------------------------------------------------


HIDDEN_STATES = ["draft", "submitted", "changes_requested", "rejected", "suspended", "cancelled"]


@pytest.mark.parametrize("status", HIDDEN_STATES)
def test_non_published_listing_is_404_to_visitors_students_and_other_employers(
    client, login, status, organization, student, other_employer
):
    listing = ListingFactory(organization=organization, status=status)
    assert client.get(detail_url(listing)).status_code == 404
    assert login(student).get(detail_url(listing)).status_code == 404
    assert login(other_employer).get(detail_url(listing)).status_code == 404


@pytest.mark.parametrize("status", HIDDEN_STATES)
def test_non_published_listing_is_visible_to_its_organization_and_staff(
    login, status, organization, employer, staff
):
    listing = ListingFactory(organization=organization, status=status)
    response = login(employer).get(detail_url(listing))
    assert response.status_code == 200
    assert "Preview: this listing is" in response.content.decode()
    assert not JSONLD.findall(response.content.decode())
    assert login(staff).get(detail_url(listing)).status_code == 200


def test_listing_of_a_suspended_organization_is_404(client):
    listing = ListingFactory(published=True, organization=OrganizationFactory(suspended=True))
    assert client.get(detail_url(listing)).status_code == 404


@pytest.mark.parametrize("trait", ["published", "closed"])
def test_staff_see_a_listing_of_a_suspended_organization_as_hidden_not_as_closed(
    login, suspended_employer, staff, trait
):
    """Nobody else can open it, so the career center's preview says why."""
    organization = suspended_employer.memberships.get().organization
    listing = ListingFactory(organization=organization, **{trait: True})
    content = login(staff).get(detail_url(listing)).content.decode()
    assert "Preview: Shady Test is suspended." in content
    assert "no longer accepting applications" not in content
    assert login(suspended_employer).get(detail_url(listing)).status_code == 404


def test_open_listing_shows_what_a_student_needs(client):
    listing = ListingFactory(
        published=True,
        title="Grant application edit",
        deliverables="An edited application\n- A one-page summary",
        eligibility="Second-year students or above.",
        fee=Decimal("450"),
        estimated_hours=15,
        skills=[SkillFactory(name="Editing")],
    )
    response = client.get(detail_url(listing))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Grant application edit</h1>" in content
    assert "<li>An edited application</li>" in content
    assert "<li>A one-page summary</li>" in content
    assert "Editing" in content
    assert "450 USD for the project" in content
    assert "30 USD an hour" in content
    assert "About 15 hours" in content
    assert "Second-year students or above." in content
    assert "How to apply" in content
    assert "Report this listing" in content
    assert "no longer accepting applications" not in content


def test_closed_listing_keeps_its_page_with_a_banner_and_no_jsonld(client):
    listing = ListingFactory(closed=True, title="Finished intake")
    response = client.get(detail_url(listing))
    content = response.content.decode()
    assert response.status_code == 200
    assert "This project is no longer accepting applications." in content
    assert "application/ld+json" not in content
    assert "Save for later" not in content


def test_published_listing_past_its_deadline_shows_the_banner(client):
    listing = ListingFactory(
        published=True, application_deadline=timezone.localdate() - timedelta(days=1)
    )
    content = client.get(detail_url(listing)).content.decode()
    assert "no longer accepting applications" in content
    assert "application/ld+json" not in content


def test_jsonld_job_posting_on_an_open_remote_listing(client):
    organization = OrganizationFactory(
        verified=True, name="Riverside Clinic", website="https://riverside.example"
    )
    listing = ListingFactory(
        published=True,
        organization=organization,
        title="Patient survey analysis",
        fee=Decimal("600.00"),
        currency="EUR",
        location_type="remote",
        country="IE",
    )
    data = jsonld_of(client.get(detail_url(listing)))
    assert data["@context"] == "https://schema.org/"
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Patient survey analysis"
    assert "<strong>analyse</strong>" in data["description"]
    assert data["datePosted"] == listing.published_at.date().isoformat()
    assert data["validThrough"].startswith(listing.application_deadline.isoformat())
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Riverside Clinic",
        "sameAs": "https://riverside.example",
        "url": "http://testserver" + reverse("listings:organization", args=[organization.slug]),
    }
    assert data["employmentType"] == ["INTERN", "CONTRACTOR"]
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == {"@type": "Country", "name": "IE"}
    assert "jobLocation" not in data
    assert data["baseSalary"]["@type"] == "MonetaryAmount"
    assert data["baseSalary"]["currency"] == "EUR"
    # 600 EUR for the factory's 20 hours: 30 EUR an hour, as the page says.
    assert data["baseSalary"]["value"] == {
        "@type": "QuantitativeValue",
        "value": 30.0,
        "unitText": "HOUR",
    }
    assert data["workHours"] == "About 20 hours in total, for a fixed fee of 600.00 EUR"
    assert data["directApply"] is True
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": "Riverside Clinic",
        "value": listing.slug,
    }
    assert data["url"] == "http://testserver" + detail_url(listing)


def test_jsonld_on_an_onsite_listing_has_a_place(client):
    listing = ListingFactory(
        published=True, location_type="onsite", city="Austin", region="TX", country="US"
    )
    data = jsonld_of(client.get(detail_url(listing)))
    assert data["jobLocation"] == {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "Austin",
            "addressRegion": "TX",
            "addressCountry": "US",
        },
    }
    assert "jobLocationType" not in data


def test_jsonld_cannot_be_broken_out_of(client):
    listing = ListingFactory(published=True, title="Fix </script><script>alert(1)</script> & more")
    content = client.get(detail_url(listing)).content.decode()
    block = JSONLD.findall(content)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["title"] == "Fix </script><script>alert(1)</script> & more"
    assert "<script>alert(1)" not in content


def test_description_with_a_script_is_not_rendered_raw(client):
    listing = ListingFactory(
        published=True,
        description="Hello <script>alert('x')</script> and <img src=x onerror=alert(1)>",
    )
    content = client.get(detail_url(listing)).content.decode()
    assert "<script>alert('x')" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;" in content


# --- Save and saved ----------------------------------------------------------------------


def test_visitor_saving_is_sent_to_sign_in_and_back(client):
    listing = ListingFactory(published=True)
    response = client.post(save_url(listing), {"action": "save"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert f"next={detail_url(listing)}" in response.url.replace("%2F", "/")
    assert not SavedListing.objects.exists()


def test_student_saves_and_unsaves_idempotently(login, student):
    listing = ListingFactory(published=True, title="Keep me")
    client = login(student)
    response = client.post(save_url(listing), {"action": "save"}, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(listing)
    assert "is in your saved projects" in response.content.decode()
    assert "Remove from saved" in response.content.decode()
    client.post(save_url(listing), {"action": "save"})
    assert SavedListing.objects.filter(user=student, listing=listing).count() == 1

    response = client.post(save_url(listing), {"action": "unsave"}, follow=True)
    assert "removed from your saved projects" in response.content.decode()
    client.post(save_url(listing), {"action": "unsave"})
    assert not SavedListing.objects.exists()


def test_save_without_an_action_toggles(login, student):
    listing = ListingFactory(published=True)
    client = login(student)
    client.post(save_url(listing))
    assert SavedListing.objects.filter(user=student).count() == 1
    client.post(save_url(listing))
    assert not SavedListing.objects.exists()


def test_save_is_post_only(login, student):
    listing = ListingFactory(published=True)
    assert login(student).get(save_url(listing)).status_code == 405


def test_closed_listing_cannot_be_saved(login, student):
    listing = ListingFactory(closed=True)
    response = login(student).post(save_url(listing), {"action": "save"}, follow=True)
    assert "cannot be saved" in response.content.decode()
    assert not SavedListing.objects.exists()


def test_hidden_listing_cannot_be_saved(login, student):
    listing = ListingFactory(submitted=True)
    assert login(student).post(save_url(listing), {"action": "save"}).status_code == 404


def test_employer_cannot_save(login, employer):
    listing = ListingFactory(published=True)
    response = login(employer).post(save_url(listing), {"action": "save"}, follow=True)
    assert "for student accounts" in response.content.decode()
    assert not SavedListing.objects.exists()


def test_save_goes_back_to_a_local_next_only(login, student):
    listing = ListingFactory(published=True)
    client = login(student)
    response = client.post(save_url(listing), {"action": "save", "next": SAVED_URL})
    assert response.url == SAVED_URL
    response = client.post(
        save_url(listing), {"action": "save", "next": "https://evil.example/phish"}
    )
    assert response.url == detail_url(listing)


def test_saved_page_lists_only_the_students_own_saves(login, student, other_student):
    mine = ListingFactory(published=True, title="Mine to keep")
    theirs = ListingFactory(published=True, title="Someone else's pick")
    closed = ListingFactory(closed=True, title="Saved before it closed")
    hidden = ListingFactory(published=True, title="Later suspended")
    for listing in (mine, closed, hidden):
        SavedListing.objects.create(user=student, listing=listing)
    SavedListing.objects.create(user=other_student, listing=theirs)
    Listing.objects.filter(pk=hidden.pk).update(status="suspended")

    response = login(student).get(SAVED_URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mine to keep" in content
    assert "Saved before it closed" in content
    assert "No longer accepting applications." in content
    assert "Someone else&#x27;s pick" not in content
    assert "Later suspended" not in content
    assert content.count("Remove from saved") == 2


def test_saved_page_checks_each_save_with_exists_in_as_many_queries_for_more(login, student):
    client = login(student)

    def save(count: int) -> None:
        for listing in ListingFactory.create_batch(count, published=True):
            SavedListing.objects.create(user=student, listing=listing)

    save(3)
    with CaptureQueriesContext(connection) as few:
        client.get(SAVED_URL)
    save(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(SAVED_URL).status_code == 200
    assert len(many) == len(few)
    saved_queries = [q["sql"] for q in many.captured_queries if "listings_savedlisting" in q["sql"]]
    assert saved_queries and all("EXISTS" in sql for sql in saved_queries)
    assert not [sql for sql in saved_queries if '"listing_id" IN (SELECT' in sql]


def test_saved_page_needs_a_student(client, login, employer):
    response = client.get(SAVED_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    response = login(employer).get(SAVED_URL, follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "Saved projects are for student accounts." in response.content.decode()


def test_saved_page_when_empty(login, student):
    content = login(student).get(SAVED_URL).content.decode()
    assert "You have not saved any projects yet." in content


# --- Report ------------------------------------------------------------------------------


def test_report_needs_sign_in(client):
    listing = ListingFactory(published=True)
    response = client.get(report_url(listing))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post(report_url(listing), {"reason": "scam"}).status_code == 302
    assert not ListingReport.objects.exists()


def test_student_reports_a_listing(login, student):
    listing = ListingFactory(published=True)
    client = login(student)
    form = client.get(report_url(listing))
    assert form.status_code == 200
    assert "What is wrong with this listing?" in form.content.decode()
    response = client.post(
        report_url(listing),
        {"reason": "asks_for_money", "details": "They want a deposit first."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail_url(listing)
    assert "Thank you for telling us." in response.content.decode()
    report = ListingReport.objects.get()
    assert (report.listing, report.reporter, report.reason, report.details) == (
        listing,
        student,
        "asks_for_money",
        "They want a deposit first.",
    )


def test_second_report_from_the_same_person_says_already_reported(login, student):
    listing = ListingFactory(published=True)
    client = login(student)
    client.post(report_url(listing), {"reason": "scam"})
    response = client.get(report_url(listing), follow=True)
    assert "You have already reported this listing." in response.content.decode()
    response = client.post(report_url(listing), {"reason": "other"}, follow=True)
    assert "You have already reported this listing." in response.content.decode()
    assert ListingReport.objects.count() == 1


def test_report_needs_a_valid_reason(login, student):
    listing = ListingFactory(published=True)
    response = login(student).post(report_url(listing), {"reason": "because"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not ListingReport.objects.exists()


def test_weighty_reports_from_different_students_suspend_the_listing(client):
    listing = ListingFactory(published=True)
    students = EstablishedStudentFactory.create_batch(3)
    for reporter in students[:2]:
        client.force_login(reporter)
        response = client.post(report_url(listing), {"reason": "scam"})
        assert response.url == detail_url(listing)
    client.force_login(students[2])
    response = client.post(report_url(listing), {"reason": "scam"}, follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "Thank you for telling us." in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED
    assert ListingReport.objects.filter(listing=listing).count() == 3
    client.logout()
    assert client.get(detail_url(listing)).status_code == 404


def test_only_published_listings_can_be_reported(login, student):
    for listing in (ListingFactory(submitted=True), ListingFactory(status="suspended")):
        assert login(student).get(report_url(listing)).status_code == 404


# --- Organization page -------------------------------------------------------------------


def test_organization_page_lists_its_open_listings(client):
    organization = OrganizationFactory(
        verified=True,
        name="Lighthouse Books",
        website="https://lighthouse.example",
        description="An independent bookshop.",
    )
    ListingFactory(published=True, organization=organization, title="Window display")
    ListingFactory(closed=True, organization=organization, title="Old stocktake")
    ListingFactory(organization=organization, title="Draft idea")
    ListingFactory(published=True, title="Another organization's")
    response = client.get(reverse("listings:organization", args=[organization.slug]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Lighthouse Books</h1>" in content
    assert "Verified" in content
    assert "https://lighthouse.example" in content
    assert "An independent bookshop." in content
    assert "Window display" in content
    assert "Old stocktake" not in content
    assert "Draft idea" not in content
    assert "Another organization" not in content


@pytest.mark.parametrize("trait", ["suspended", "pending"])
def test_suspended_or_unverified_organization_page_is_404(client, trait):
    organization = OrganizationFactory(**({trait: True} if trait == "suspended" else {}))
    response = client.get(reverse("listings:organization", args=[organization.slug]))
    assert response.status_code == 404


def test_employer_of_another_organization_sees_only_public_listings_on_cards(
    login, organization, other_organization
):
    ListingFactory(published=True, organization=organization, title="Public one")
    ListingFactory(submitted=True, organization=organization, title="Pending review")
    viewer = EmployerFactory(membership__organization=other_organization)
    content = login(viewer).get(LIST_URL).content.decode()
    assert "Public one" in content
    assert "Pending review" not in content


# --- Content-Security-Policy ---------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def test_listing_pages_have_no_inline_scripts_or_styles(client, login, student):
    organization = OrganizationFactory(verified=True)
    listing = ListingFactory(published=True, organization=organization)
    pages = [
        client.get(LIST_URL),
        client.get(LIST_URL, {"max_hours": "abc", "page": "9"}),
        client.get(detail_url(listing)),
        client.get(reverse("listings:organization", args=[organization.slug])),
        login(student).get(SAVED_URL),
        login(student).get(report_url(listing)),
    ]
    for response in pages:
        content = response.content.decode()
        assert response.status_code == 200
        assert " style=" not in content and "<style" not in content
        assert not re.search(r"\son[a-z]+=", content)
        for attributes in SCRIPT_TAG.findall(content):
            assert "src=" in attributes or 'type="application/ld+json"' in attributes
