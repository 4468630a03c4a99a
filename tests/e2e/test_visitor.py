"""A visitor finds a project: search, filter by industry and remote, open it, try to save it."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page
from tests.factories import IndustryFactory, ListingFactory, OrganizationFactory, SkillFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def open_listings(transactional_db):
    """A handful of published listings in three industries, remote and on-site."""
    data = IndustryFactory(name="Data and analytics", slug="data-analytics")
    marketing = IndustryFactory(name="Marketing", slug="marketing")
    design = IndustryFactory(name="Design", slug="design")
    python = SkillFactory(name="Python", slug="python")
    survey = SkillFactory(name="Survey design", slug="survey-design")
    org = OrganizationFactory(
        verified=True, name="Riverbank Food Co-op", email_domain="riverbank.test"
    )
    other = OrganizationFactory(verified=True, name="Harbor Arts Trust", email_domain="harbor.test")
    return {
        "remote_data": ListingFactory(
            published=True,
            organization=org,
            title="Clean up our member survey data",
            summary="Turn three years of member survey exports into one tidy dataset.",
            description="Our member **survey data** is spread over spreadsheets.",
            industry=data,
            location_type="remote",
            skills=[python, survey],
        ),
        "onsite_data": ListingFactory(
            published=True,
            organization=other,
            title="Visitor data dashboard for the gallery",
            summary="A small dashboard of visitor numbers, built on site with our team.",
            description="Build a dashboard from our ticketing **data**.",
            industry=data,
            location_type="onsite",
            city="Portland",
            skills=[python],
        ),
        "remote_marketing": ListingFactory(
            published=True,
            organization=org,
            title="Audit our newsletter sign-up journey",
            summary="Find where people drop out of the newsletter sign-up and why.",
            description="We would like a short report with data from our mailing tool.",
            industry=marketing,
            location_type="remote",
        ),
        "remote_design": ListingFactory(
            published=True,
            organization=other,
            title="Poster series for the spring exhibition",
            summary="Three posters in the gallery's visual style.",
            description="Design three posters that share one look.",
            industry=design,
            location_type="remote",
        ),
    }


def test_visitor_searches_filters_opens_and_is_asked_to_sign_in_to_save(page, open_listings):
    listing = open_listings["remote_data"]

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Short, paid projects that give students real experience"
    )
    check_page(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Browse projects").click()
    expect(page.get_by_role("heading", name="Browse paid projects")).to_be_visible()
    count = page.locator("#result-count")
    expect(count).to_have_text("4 open projects.")
    check_page(page)

    search = page.get_by_role("search", name="Search and filter projects")
    search.get_by_label("Search").fill("data")
    search.get_by_role("button", name="Show projects").click()
    expect(count).to_have_text("3 open projects match your filters.")
    expect(page).to_have_url(re.compile(r"[?&]q=data"))

    search.get_by_label("Industry").select_option(label="Data and analytics")
    expect(count).to_have_text("2 open projects match your filters.")
    search.get_by_label("Where").select_option(label="Remote")
    expect(count).to_have_text("1 open project matches your filters.")
    # The filters live in the address, so the page can be shared and reloaded.
    expect(page).to_have_url(re.compile(r"industry=data-analytics"))
    expect(page).to_have_url(re.compile(r"location_type=remote"))
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=3)).to_have_text([listing.title])
    check_page(page)

    results.get_by_role("link", name=listing.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)
    expect(page.get_by_role("complementary").get_by_text("Remote")).to_be_visible()
    check_page(page)

    save = re.compile(r"^Save for later")
    page.get_by_role("button", name=save).or_(page.get_by_role("link", name=save)).click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=.*" + re.escape(listing.slug)))
    check_page(page)


def test_visitor_pages_from_the_home_page_are_accessible(page, open_listings):
    """Every public page a visitor reaches by clicking from the home page."""
    listing = open_listings["remote_data"]
    page.goto("/")

    page.get_by_role("main").get_by_role("link", name=listing.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=listing.organization.name
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.organization.name)
    check_page(page)

    page.get_by_role("contentinfo").get_by_role("link", name="Sign up as a student").click()
    expect(page.get_by_role("heading", name="Create a student account")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Sign up as an employer").click()
    expect(page.get_by_role("heading", name="Sign up as an employer")).to_be_visible()
    check_page(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    check_page(page)

    # A form sent with mistakes: the error summary and the fields' errors are accessible too.
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page)
