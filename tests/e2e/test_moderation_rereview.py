"""An employer changes a published listing: it waits for review until staff approve the change."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_admin_page, sign_in
from tests.factories import (
    PASSWORD,
    EmployerFactory,
    ListingFactory,
    OrganizationFactory,
    StaffFactory,
)

pytestmark = pytest.mark.e2e

OLD_TITLE = "Catalogue our rare-books collection"
NEW_TITLE = "Catalogue and price our rare-books collection"


@pytest.fixture
def published_listing(transactional_db):
    organization = OrganizationFactory(verified=True, name="Tidewater Books")
    employer = EmployerFactory(
        email="dana@tidewater-books.test", membership__organization=organization
    )
    staff = StaffFactory(email="morgan@career.test", first_name="Morgan", last_name="Reyes")
    listing = ListingFactory(organization=organization, title=OLD_TITLE)
    listing.submit(by=employer)
    listing.approve(by=staff)
    return listing, employer, staff


def test_an_edited_title_waits_for_review_then_goes_live(new_context, published_listing):
    listing, employer_user, staff_user = published_listing
    address = listing.get_absolute_url()

    # --- A visitor sees the approved listing.
    visitor = new_context("visitor").new_page()
    visitor.goto(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(OLD_TITLE)

    # --- The employer changes the title of the published listing.
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, employer_user.email, PASSWORD)
    employer.goto("/employer/listings/listing/")
    employer.get_by_role("link", name=OLD_TITLE).click()
    employer.get_by_label(re.compile(r"^Title:?$")).fill(NEW_TITLE)
    employer.get_by_role("button", name="Save", exact=True).click()

    # --- They are told in plain words that it waits for review, and the list says so too.
    messages = employer.locator(".messagelist")
    expect(messages).to_contain_text(f"“{NEW_TITLE}”, so it is waiting for review")
    expect(messages).to_contain_text("Students will not see it until it is approved again")
    row = employer.locator("#result_list").get_by_role("row").filter(has_text=NEW_TITLE)
    expect(row).to_contain_text("Waiting for review")
    check_admin_page(employer)
    row.get_by_role("link", name=NEW_TITLE).click()
    expect(employer.get_by_role("status")).to_contain_text("Waiting for review")
    check_admin_page(employer)

    # --- Students no longer see it (asked without rendering: a 404 page logs a console error).
    assert visitor.request.get(address).status == 404

    # --- Staff read the change word by word and approve it.
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, staff_user.email, PASSWORD)
    staff.goto("/staff/listings/listing/?status=submitted")
    staff.get_by_role("link", name=NEW_TITLE).click()
    changes = staff.locator("table.listing-changes")
    expect(changes.locator(".word-diff ins")).to_have_text("added: and price")
    expect(changes).to_contain_text("added:")  # Said in words, not by colour alone.
    check_admin_page(staff)
    staff.get_by_role("link", name="Approve and publish…").click()
    expect(staff.get_by_role("main")).to_contain_text("version 2")
    check_admin_page(staff)
    staff.get_by_role("button", name="Approve and publish").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing approved and published")

    # --- It is live again, with the new title.
    visitor.goto(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
