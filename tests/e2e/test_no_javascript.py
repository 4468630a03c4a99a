"""Without JavaScript the site still works: search, filter, save and apply are plain forms."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def listings(transactional_db):
    org = OrganizationFactory(verified=True, name="Greenway Trust", email_domain="greenway.test")
    parks = IndustryFactory(name="Environment", slug="environment")
    media = IndustryFactory(name="Media", slug="media")
    ListingFactory(
        published=True,
        organization=org,
        industry=media,
        title="Edit our trail videos",
        description="Cut four short trail videos from our footage.",
    )
    ListingFactory(
        published=True,
        organization=org,
        industry=parks,
        title="Map the hedgerows along the canal",
        description="Walk the canal path and record hedgerow species.",
        location_type="onsite",
        city="Leeds",
    )
    return ListingFactory(
        published=True,
        organization=org,
        industry=parks,
        title="Hedgerow survey report",
        summary="Turn volunteers' hedgerow records into a short report.",
        description="Our volunteers recorded **hedgerow** species; we need a report.",
    )


def test_search_filter_save_and_apply_without_javascript(new_context, listings):
    listing = listings
    student = StudentFactory(email="sam.o@student.test", first_name="Sam", last_name="Osei")
    page = new_context("student-no-js", java_script_enabled=False).new_page()

    page.goto("/")
    sign_in(page, student.email, PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Browse projects").click()
    count = page.locator("#result-count")
    expect(count).to_have_text("3 open projects.")
    search = page.get_by_role("search", name="Search and filter projects")
    search.get_by_role("searchbox", name="Search").fill("hedgerow")
    search.get_by_role("button", name="Show projects").click()
    expect(count).to_have_text("2 open projects match your filters.")
    search.get_by_label("Where").select_option(label="Remote")
    search.get_by_role("button", name="Show projects").click()
    expect(count).to_have_text("1 open project matches your filters.")
    expect(page).to_have_url(re.compile(r"q=hedgerow.*location_type=remote"))

    page.locator("#results").get_by_role("link", name=listing.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)
    page.get_by_role("button", name=re.compile(r"^Save for later")).click()
    expect(page.get_by_role("status")).to_contain_text("is in your saved projects")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved projects").click()
    page.get_by_role("main").get_by_role("link", name=listing.title).first.click()
    page.get_by_role("link", name="Apply for this project").click()
    page.get_by_label("Your pitch").fill("I volunteer with a wildlife group and write its reports.")
    page.get_by_label(re.compile("^I can finish the work by")).check()
    page.get_by_role("button", name=re.compile(r"^Résumé")).set_input_files(
        {"name": "sam-osei-cv.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("status")).to_contain_text(listing.title)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(page.get_by_role("heading", level=3, name=listing.title)).to_be_visible()
