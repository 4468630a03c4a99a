"""The back office run from its two home pages: an employer posts, is sent back, fixes, is
approved and hires, learning each step from email and the /employer/ home alone; the career
center runs a day's moderation from the /staff/ home alone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Organization
from applications.models import Application
from listings.models import Listing
from tests.e2e.helpers import check_admin_page, sign_in, snapshot
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EmployerFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
    StaffFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e

TITLE = "Catalogue our rare-books collection"
EMPLOYER = "dana@tidewater-books.test"


@pytest.fixture
def people(transactional_db):
    IndustryFactory(name="Publishing", slug="publishing")
    SkillFactory(name="Research", slug="research")
    SkillFactory(name="Spreadsheets", slug="spreadsheets")
    organization = OrganizationFactory(verified=True, name="Tidewater Books")
    EmployerFactory(email=EMPLOYER, first_name="Dana", membership__organization=organization)
    OrganizationFactory(name="Harbor Light Foundation")  # waits to be verified
    staff = StaffFactory(email="morgan@career.test", first_name="Morgan", last_name="Reyes")
    student = StudentFactory(email="noor@student.test", first_name="Noor", last_name="Haddad")
    return staff, student


def todo(page: Page):
    return page.get_by_role("region", name="What needs you")


def home(page: Page, site: str) -> None:
    page.get_by_role("link", name=site).click()
    expect(todo(page)).to_be_visible()
    check_admin_page(page)


def field(page: Page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def test_an_employer_learns_each_step_from_email_and_the_home_page(new_context, people, mailbox):
    staff_user, student = people
    deadline = timezone.localdate() + timedelta(days=20)

    # --- A new employer's home says what to do first.
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, EMPLOYER, PASSWORD)
    expect(employer).to_have_title(re.compile("MicroIntern for employers"))
    expect(todo(employer)).to_contain_text("Nothing is waiting for you right now.")
    check_admin_page(employer)
    snapshot(employer, "home, nothing yet")
    employer.get_by_role("link", name="Post your first project").click()
    check_admin_page(employer)
    field(employer, "Title").fill(TITLE)
    field(employer, "Summary").fill("List 300 rare books in a spreadsheet a buyer can search.")
    field(employer, "Description").fill("Our rare books are only in a paper ledger.")
    field(employer, "Deliverables").fill("A spreadsheet of the collection")
    skills = employer.get_by_role("group", name="Skills")
    skills.get_by_role("searchbox", name="Find a skill").fill("spread")
    skills.get_by_role("checkbox", name="Spreadsheets").check()
    field(employer, "Industry").select_option(label="Publishing")
    field(employer, "Estimated hours").fill("20")
    field(employer, "Fee").fill("600")
    field(employer, "Openings").fill("1")
    field(employer, "Application deadline").fill(deadline.isoformat())
    field(employer, "Project due date").fill((deadline + timedelta(days=21)).isoformat())
    field(employer, "Contact email").fill(EMPLOYER)
    employer.get_by_role("button", name="Submit for review").click()
    expect(employer.locator(".messagelist")).to_contain_text("was sent to the career center")
    home(employer, "MicroIntern for employers")
    overview = employer.get_by_role("region", name="Your listings")
    expect(overview.get_by_role("link", name="1 waiting for review")).to_be_visible()

    # --- Staff open their home: the new listing waits; they send it back.
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, staff_user.email, PASSWORD)
    expect(todo(staff)).to_be_visible()
    check_admin_page(staff)
    todo(staff).get_by_role("link", name="1 listing waits for review").click()
    staff.get_by_role("link", name=TITLE).click()
    staff.get_by_role("link", name="Request changes…").click()
    field(staff, "Reason").select_option(label="Missing information")
    field(staff, "What to change").fill("Please say what the spreadsheet should contain.")
    staff.get_by_role("button", name="Send back for changes").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing sent back for changes")

    # --- The employer hears it by email, and the home page says why and where.
    email = mailbox.wait_for(EMPLOYER, "needs changes")
    assert "Please say what the spreadsheet should contain." in email.body
    home(employer, "MicroIntern for employers")
    sent_back = todo(employer).get_by_role("listitem").filter(has_text="sent back for changes")
    expect(sent_back).to_contain_text("Please say what the spreadsheet should contain.")
    snapshot(employer, "home, sent back")
    sent_back.get_by_role("link").click()
    check_admin_page(employer)
    field(employer, "Deliverables").fill(
        "A spreadsheet with title, author, year, edition and condition of every book"
    )
    employer.get_by_role("button", name="Submit for review").click()
    expect(employer.locator(".messagelist")).to_contain_text("was sent to the career center")

    # --- Staff approve it from their home.
    home(staff, "MicroIntern career center")
    todo(staff).get_by_role("link", name="1 listing waits for review").click()
    staff.get_by_role("link", name=TITLE).click()
    staff.get_by_role("link", name="Approve and publish…").click()
    check_admin_page(staff)
    staff.get_by_role("button", name="Approve and publish").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing approved and published")

    # --- The employer hears it is published; a student applies.
    mailbox.wait_for(EMPLOYER, "is published")
    listing = Listing.objects.get(title=TITLE)
    ApplicationFactory(listing=listing, student=student)
    home(employer, "MicroIntern for employers")
    expect(
        employer.get_by_role("region", name="Your listings").get_by_role("link", name="1 published")
    ).to_be_visible()
    snapshot(employer, "home, an applicant waits")
    todo(employer).get_by_role("link", name="1 applicant waits for your decision").click()
    check_admin_page(employer)
    employer.get_by_role("link", name="Noor Haddad").click()
    main = employer.get_by_role("main")
    expect(main).to_contain_text("I have done two similar projects")  # the pitch
    expect(main).to_contain_text("skills")  # the skills match
    expect(main.get_by_role("link", name="Download the résumé (PDF)")).to_be_visible()
    check_admin_page(employer)
    employer.get_by_role("button", name="Make an offer…").click()
    check_admin_page(employer)
    employer.get_by_label("Message to the student").fill("Could you start on Monday?")
    employer.get_by_role("button", name="Send the offer").click()
    expect(employer.locator(".messagelist")).to_contain_text("Offer sent to Noor Haddad")

    # --- The offer waits for an answer; the student accepts and the employer is told.
    home(employer, "MicroIntern for employers")
    expect(todo(employer)).to_contain_text("1 offer waits for the student's answer")
    application = Application.objects.get(listing=listing, student=student)
    application.accept(by=student)
    mailbox.wait_for(EMPLOYER, "accepted your offer")
    employer.reload()
    expect(todo(employer)).to_contain_text("Nothing is waiting for you right now.")
    snapshot(employer, "home, hired")


def test_staff_run_a_days_moderation_from_their_home(new_context, people):
    staff_user, _student = people
    organization = Organization.objects.get(name="Tidewater Books")
    for title in ("Design our shop sign", "Photograph the new stock"):
        listing = ListingFactory(organization=organization, title=title)
        listing.submit(by=organization.memberships.get().user)

    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, staff_user.email, PASSWORD)
    check_admin_page(staff)
    snapshot(staff, "home, the morning")
    expect(todo(staff).get_by_role("link", name="2 listings wait for review")).to_be_visible()

    # The queue, from the home page: approve one, send the other back.
    todo(staff).get_by_role("link", name="2 listings wait for review").click()
    check_admin_page(staff)
    staff.get_by_role("link", name="Design our shop sign").click()
    staff.get_by_role("link", name="Approve and publish…").click()
    staff.get_by_role("button", name="Approve and publish").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 listing approved and published")
    home(staff, "MicroIntern career center")
    todo(staff).get_by_role("link", name="1 listing waits for review").click()
    staff.get_by_role("link", name="Photograph the new stock").click()
    staff.get_by_role("link", name="Request changes…").click()
    field(staff, "Reason").select_option(label="Missing information")
    field(staff, "What to change").fill("Say how many photographs you need.")
    staff.get_by_role("button", name="Send back for changes").click()

    # The organization waiting for verification, from the home page.
    home(staff, "MicroIntern career center")
    todo(staff).get_by_role("link", name="1 organization waits to be verified").click()
    check_admin_page(staff)
    row = staff.get_by_role("row").filter(has_text="Harbor Light Foundation")
    row.get_by_role("checkbox").check()
    staff.get_by_label("Action:").select_option(label="Verify selected organizations")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 organization(s) verified")

    # Nothing is left.
    home(staff, "MicroIntern career center")
    expect(todo(staff)).to_contain_text("Nothing is waiting for you right now.")
    snapshot(staff, "home, done for the day")
