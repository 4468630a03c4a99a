"""A student gets a private calendar address, copies it into a calendar app, then resets it."""

import pytest
from playwright.sync_api import expect

from listings.models import SavedListing
from tests.e2e.helpers import check_page, sign_in
from tests.factories import PASSWORD, ListingFactory, StudentFactory

pytestmark = pytest.mark.e2e


def test_student_gets_copies_and_resets_the_calendar_address(new_context, transactional_db):
    student = StudentFactory(email="ines.m@student.test", first_name="Inès")
    listing = ListingFactory(published=True, title="Map our volunteer routes")
    SavedListing.save_for(user=student, listing=listing)
    context = new_context("student")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/")
    sign_in(page, student.email, PASSWORD)
    page.goto("/applications/")
    check_page(page)
    page.get_by_role("button", name="Get my calendar address").click()
    expect(page.get_by_text("Your private calendar address is ready")).to_be_visible()
    check_page(page)

    address = page.get_by_label("Your private calendar address")
    expect(address).to_have_attribute("readonly", "")
    old = address.input_value()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == old

    # A calendar app holds no session: the address alone gives the deadlines.
    calendar_app = new_context("calendar app").request
    feed = calendar_app.get(old)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "Apply by: Map our volunteer routes" in feed.text()

    page.get_by_role("button", name="Reset link").click()
    expect(page.get_by_text("Calendars subscribed to the old address no longer")).to_be_visible()
    new = page.get_by_label("Your private calendar address").input_value()
    assert new != old
    assert calendar_app.get(old).status == 404
    assert calendar_app.get(new).status == 200
