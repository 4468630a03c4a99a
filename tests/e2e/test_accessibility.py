"""Pages the journeys do not pass through, checked the same way: axe-core and 320 px reflow."""

import re

import pytest
from playwright.sync_api import expect

from notifications.outbox import queue_email
from tests.e2e.helpers import check_admin_page, check_page, sign_in
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def listing(transactional_db):
    org = OrganizationFactory(verified=True, name="Bright Path Tutors", email_domain="bright.test")
    return ListingFactory(
        published=True,
        organization=org,
        industry=IndustryFactory(name="Education", slug="education"),
        title="Design a maths worksheet series",
        summary="Six printable worksheets for 12-year-olds.",
        description="Six **worksheets** on fractions, with answers.",
    )


def main_nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_student_account_pages(page, listing):
    student = StudentFactory(email="noor.h@student.test", first_name="Noor", last_name="Haddad")
    queue_email(
        to=student.email,
        recipient=student,
        kind="listings.deadline",
        subject=f"“{listing.title}” closes in 3 days",
        body_text="A project you saved closes soon.",
        link=listing.get_absolute_url(),
        dedupe_key="e2e-deadline",
        enqueue=False,
    )
    page.goto("/")
    sign_in(page, student.email, PASSWORD)
    check_page(page)

    # A saved search, from the browse page.
    main_nav(page, "Browse projects")
    page.get_by_role("searchbox", name="Search").fill("worksheets")
    page.get_by_role("button", name="Show projects").click()
    expect(page.locator("#result-count")).to_contain_text("1 open project")
    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("search", re.I))
    check_page(page)
    if not page.get_by_role("heading", level=1, name=re.compile("saved searches", re.I)).count():
        page.get_by_role("link", name="Your saved searches").click()
    check_page(page)

    # A saved project, the report form, the notifications and their email preferences.
    main_nav(page, "Browse projects")
    page.locator("#results").get_by_role("link", name=listing.title).click()
    page.get_by_role("button", name=re.compile(r"^Save for later")).click()
    expect(page.get_by_role("status")).to_contain_text("is in your saved projects")
    check_page(page)
    page.get_by_role("link", name="Report this listing").click()
    check_page(page)
    main_nav(page, "Saved projects")
    expect(page.get_by_role("main").get_by_role("link", name=listing.title).first).to_be_visible()
    check_page(page)
    main_nav(page, re.compile("^Notifications"))
    expect(page.get_by_role("main")).to_contain_text("closes in 3 days")
    check_page(page)
    page.get_by_role("link", name=re.compile("notifications are emailed to you")).click()
    check_page(page)

    # The empty dashboard, and the page that deletes the account (not used here).
    main_nav(page, "My applications")
    check_page(page)
    main_nav(page, "My profile")
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page)


def test_password_reset_page(page):
    page.goto("/")
    main_nav(page, "Sign in")
    page.get_by_role("link", name=re.compile("Forgot your password")).click()
    check_page(page)


def test_staff_dashboard_and_reports(new_context, listing):
    staff = StaffFactory(email="jo@career.test", first_name="Jo", last_name="Lind")
    ApplicationFactory(listing=listing)
    ListingFactory(submitted=True, title="Waiting for review")
    page = new_context("staff").new_page()
    page.goto("/")
    sign_in(page, staff.email, PASSWORD)
    check_admin_page(page)
    # The home page says first what waits: one listing to review, a link to the queue.
    todo = page.get_by_role("region", name="What needs you")
    expect(todo.get_by_role("link", name="1 listing waits for review")).to_be_visible()
    page.get_by_role("link", name="Program dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_admin_page(page)
    page.get_by_role("link", name="MicroIntern career center").click()
    page.get_by_role("rowheader").get_by_role("link", name="Listings", exact=True).click()
    queue = page.get_by_role("table")
    expect(queue.get_by_role("link", name="Waiting for review")).to_be_visible()
    check_admin_page(page)
