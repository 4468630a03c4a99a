"""A new employer posts a project; the career center verifies, moderates and publishes it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_admin_page, check_page, fill_sign_in_form, sign_in
from tests.factories import PASSWORD, IndustryFactory, SkillFactory, StaffFactory

pytestmark = pytest.mark.e2e

EMPLOYER_EMAIL = "dana@tidewater-books.test"
EMPLOYER_PASSWORD = "shelf-lantern-parcel-42"
TITLE = "Catalogue our rare-books collection"


@pytest.fixture
def career_center(transactional_db):
    IndustryFactory(name="Publishing", slug="publishing")
    IndustryFactory(name="Software", slug="software")
    SkillFactory(name="Research", slug="research")
    SkillFactory(name="Spreadsheets", slug="spreadsheets")
    return StaffFactory(email="morgan@career.test", first_name="Morgan", last_name="Reyes")


def admin_action(page: Page, row_text: str, action: str) -> None:
    """On an admin list, tick the row that shows `row_text` and run `action`."""
    row = page.get_by_role("row").filter(has_text=row_text)
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def admin_field(page: Page, label: str):
    """A field of an admin form by its label (the admin adds a colon to labels)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def open_moderation_queue(staff: Page) -> None:
    staff.get_by_role("link", name="MicroIntern career center").click()
    # The model's row in the list of apps (the caption above it links to the app).
    staff.get_by_role("rowheader").get_by_role("link", name="Listings", exact=True).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(re.compile("listing", re.I))


def test_employer_signs_up_is_verified_posts_and_is_published_after_changes(
    new_context, career_center, mailbox
):
    deadline = timezone.localdate() + timedelta(days=20)
    due = deadline + timedelta(days=21)

    # --- The employer signs up from the home page and confirms the email address.
    employer = new_context("employer").new_page()
    employer.goto("/")
    employer.get_by_role("main").get_by_role("link", name="Post a project", exact=True).click()
    expect(employer.get_by_role("heading", name="Sign up as an employer")).to_be_visible()
    form = employer.get_by_role("main").locator("form")
    form.get_by_label("First name").fill("Dana")
    form.get_by_label("Last name").fill("Okafor")
    form.get_by_label("Email").fill(EMPLOYER_EMAIL)
    form.get_by_label("Organization name").fill("Tidewater Books")
    form.get_by_label("Organization website").fill("tidewater-books.test")
    form.get_by_label(re.compile(r"^Password(?! \(again)")).fill(EMPLOYER_PASSWORD)
    form.get_by_label(re.compile(r"^Password \(again\)")).fill(EMPLOYER_PASSWORD)
    form.get_by_role("button", name="Create employer account").click()
    expect(employer.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    check_page(employer)

    email = mailbox.wait_for(EMPLOYER_EMAIL, "confirm")
    employer.goto(mailbox.link_in(email, r"http://\S+/accounts/confirm-email/\S+"))
    check_page(employer)
    employer.get_by_role("button", name="Confirm my email address").click()
    expect(employer.get_by_role("heading", level=1)).to_be_visible()

    # --- Until the career center verifies the organization, nothing can be published.
    employer.goto("/")
    employer.get_by_role("link", name="Employer site").first.click()
    expect(employer).to_have_title(re.compile("MicroIntern for employers"))
    check_admin_page(employer)

    # --- Staff verify the new organization.
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, career_center.email, PASSWORD)
    expect(staff).to_have_title(re.compile("career center", re.IGNORECASE))
    check_admin_page(staff)
    staff.get_by_role("link", name="Organizations", exact=True).click()
    check_admin_page(staff)
    admin_action(staff, "Tidewater Books", "Verify selected organizations")
    expect(staff.locator(".messagelist")).to_contain_text("1 organization(s) verified")

    # --- The employer writes the listing and submits it for review.
    employer.get_by_role("link", name="MicroIntern for employers").click()
    employer.get_by_role("link", name="Add", exact=False).filter(has_text="Add").first.click()
    expect(employer.get_by_role("heading", level=1)).to_contain_text("listing")
    check_admin_page(employer)
    admin_field(employer, "Title").fill(TITLE)
    admin_field(employer, "Summary").fill(
        "List 300 rare books in a spreadsheet a buyer can search."
    )
    admin_field(employer, "Description").fill(
        "We are a small second-hand bookshop. Our rare books are only in a paper ledger."
    )
    admin_field(employer, "Deliverables").fill("A spreadsheet of the collection")
    skills = employer.get_by_role("group", name="Skills")
    skills.get_by_role("searchbox", name="Find a skill").fill("resea")
    expect(skills.get_by_role("checkbox", name="Spreadsheets")).to_be_hidden()
    skills.get_by_role("checkbox", name="Research").check()
    admin_field(employer, "Industry").select_option(label="Publishing")
    admin_field(employer, "Estimated hours").fill("20")
    admin_field(employer, "Fee").fill("600")
    admin_field(employer, "Openings").fill("1")
    admin_field(employer, "Application deadline").fill(deadline.isoformat())
    admin_field(employer, "Project due date").fill(due.isoformat())
    admin_field(employer, "Contact email").fill(EMPLOYER_EMAIL)
    employer.get_by_role("button", name="Submit for review").click()
    expect(employer.locator(".messagelist")).to_contain_text("was sent to the career center")
    check_admin_page(employer)

    # --- Staff ask for a change.
    open_moderation_queue(staff)
    check_admin_page(staff)
    staff.get_by_role("link", name=TITLE).click()
    check_admin_page(staff)
    staff.get_by_role("link", name="Request changes…").click()
    check_admin_page(staff)
    admin_field(staff, "Reason").select_option(index=3)
    admin_field(staff, "What to change").fill("Please say what the spreadsheet should contain.")
    staff.get_by_role("button", name="Send back for changes").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing sent back for changes")

    # --- The employer reads the request, fixes the listing and submits it again.
    employer.get_by_role("link", name=TITLE).click()
    expect(employer.get_by_role("status")).to_contain_text(
        "Please say what the spreadsheet should contain."
    )
    check_admin_page(employer)
    admin_field(employer, "Deliverables").fill(
        "A spreadsheet with title, author, year, edition and condition of every book\n"
        "A one-page note on how to keep it up to date"
    )
    employer.get_by_role("button", name="Submit for review").click()
    expect(employer.locator(".messagelist")).to_contain_text("was sent to the career center")

    # --- Staff approve it.
    open_moderation_queue(staff)
    staff.get_by_role("link", name=TITLE).click()
    staff.get_by_role("link", name="Approve and publish…").click()
    staff.get_by_role("button", name="Approve and publish").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing approved and published")

    # --- A visitor finds it.
    visitor = new_context("visitor").new_page()
    visitor.goto("/")
    visitor.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Browse projects"
    ).click()
    search = visitor.get_by_role("searchbox", name="Search")
    search.fill("rare books")
    search.press("Enter")
    results = visitor.locator("#results")
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    results.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_text("Tidewater Books").first).to_be_visible()


def test_employer_signing_in_lands_on_the_employer_site(new_context, career_center):
    """Sign-in from the home page sends each role to where its work is."""
    page = new_context("staff").new_page()
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Staff sign in").click()
    fill_sign_in_form(page, career_center.email, PASSWORD)
    expect(page).to_have_title(re.compile("career center", re.IGNORECASE))
