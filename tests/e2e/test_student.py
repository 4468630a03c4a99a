"""Students: sign up, build a profile, apply, follow and withdraw; then a whole engagement."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_admin_page, check_page, sign_in
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    ApplicationFactory,
    EmployerFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e

STUDENT_EMAIL = "amara.n@student.test"
STUDENT_PASSWORD = "kettle-orchard-violet-88"
RESUME = {"name": "amara-nwosu-cv.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


@pytest.fixture
def listing(transactional_db):
    org = OrganizationFactory(verified=True, name="Lakeside Clinic", email_domain="lakeside.test")
    return ListingFactory(
        published=True,
        organization=org,
        title="Patient survey analysis",
        summary="Summarise 400 patient survey answers into five clear findings.",
        description="We collected **survey** answers about our waiting room.",
        deliverables="A two-page summary of findings\nThe cleaned survey data",
        industry=IndustryFactory(name="Health care", slug="health-care"),
        skills=[SkillFactory(name="Data analysis", slug="data-analysis")],
    )


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_student_signs_up_builds_profile_applies_follows_and_withdraws(page, listing, mailbox):
    # --- Sign up and confirm the email address from the mailbox.
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Sign up as a student").first.click()
    expect(page.get_by_role("heading", name="Create a student account")).to_be_visible()
    form = page.get_by_role("main").locator("form")
    form.get_by_label("First name").fill("Amara")
    form.get_by_label("Last name").fill("Nwosu")
    form.get_by_label("Email").fill(STUDENT_EMAIL)
    form.get_by_label("School").fill("Northgate University")
    form.get_by_label(re.compile(r"^Password(?! \(again)")).fill(STUDENT_PASSWORD)
    form.get_by_label(re.compile(r"^Password \(again\)")).fill(STUDENT_PASSWORD)
    form.get_by_role("button", name="Create student account").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()

    email = mailbox.wait_for(STUDENT_EMAIL, "confirm")
    page.goto(mailbox.link_in(email, r"http://\S+/accounts/confirm-email/\S+"))
    page.get_by_role("button", name="Confirm my email address").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile")
    ).to_be_visible()

    # --- The profile, with a résumé.
    nav(page, "My profile")
    expect(page.get_by_role("heading", name="My profile", level=1)).to_be_visible()
    check_page(page)
    page.get_by_label(re.compile("^Program")).fill("Public health")
    page.get_by_label(re.compile("^Graduation year")).fill("2027")
    page.get_by_role("checkbox", name="Data analysis").check()
    page.get_by_role("button", name=re.compile(r"^Résumé")).set_input_files(RESUME)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_role("link", name="Download your résumé")).to_be_visible()
    check_page(page)

    # --- Find the project and apply.
    nav(page, "Browse projects")
    page.locator("#results").get_by_role("link", name=listing.title).click()
    page.get_by_role("link", name="Apply for this project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply for “{listing.title}”")
    check_page(page)
    page.get_by_label("Your pitch").fill(
        "I analysed survey data for our student union last year and would start by "
        "agreeing the five questions that matter most to you."
    )
    page.get_by_label(re.compile("^I can finish the work by")).check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("status")).to_contain_text(listing.title)

    # --- The application on the dashboard.
    nav(page, "My applications")
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
    card = page.get_by_role("article").filter(has_text=listing.title)
    expect(card).to_contain_text("Lakeside Clinic")
    check_page(page)
    card.get_by_role("link", name=listing.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)
    check_page(page)

    # --- Withdraw.
    page.get_by_role("button", name="Withdraw my application").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("withdr", re.IGNORECASE))
    expect(page.locator(".application-status")).to_contain_text(re.compile("withdrawn", re.I))
    expect(page.get_by_role("button", name="Withdraw my application")).to_have_count(0)
    check_page(page)


@pytest.fixture
def engagement(listing):
    """A student who applied to the listing, and one of the organization's employers."""
    student = StudentFactory(email="lee.park@student.test", first_name="Lee", last_name="Park")
    profile = student.student_profile
    profile.handle = "lee-park"
    profile.save()
    application = ApplicationFactory(listing=listing, student=student)
    employer = EmployerFactory(
        email="rosa@lakeside.test",
        first_name="Rosa",
        last_name="Diaz",
        membership__organization=listing.organization,
    )
    return {"student": student, "employer": employer, "application": application}


def decide(employer: Page, button: str) -> None:
    """On an applicant's page in the employer site, take one of the decisions offered."""
    employer.get_by_role("region", name="Your decision").get_by_role("button", name=button).click()


def test_engagement_from_shortlist_to_verified_portfolio(new_context, listing, engagement):
    student_user, employer_user = engagement["student"], engagement["employer"]

    # --- The employer shortlists, then offers.
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, employer_user.email, PASSWORD)
    employer.get_by_role("rowheader").get_by_role("link", name="Applications", exact=True).click()
    expect(employer.get_by_role("heading", level=1)).to_have_text(re.compile("Applicants"))
    check_admin_page(employer)
    employer.get_by_role("link", name="Lee Park").click()
    check_admin_page(employer)
    decide(employer, "Shortlist")
    expect(employer.locator(".messagelist")).to_contain_text("Shortlisted Lee Park.")
    decide(employer, "Make an offer…")
    check_admin_page(employer)
    employer.get_by_label(re.compile("^Message to the student")).fill(
        "We would love you to do this. Can you start on Monday?"
    )
    employer.get_by_role("button", name="Send the offer").click()
    expect(employer.locator(".messagelist")).to_contain_text("Offer sent to Lee Park.")

    # --- The student accepts and submits the work.
    student = new_context("student").new_page()
    student.goto("/")
    sign_in(student, student_user.email, PASSWORD)
    nav(student, "My applications")
    student.get_by_role("link", name=listing.title).click()
    message = student.get_by_role("region", name="Message from Lakeside Clinic")
    expect(message).to_contain_text("We would love you to do this.")
    check_page(student)
    student.get_by_role("button", name="Accept the offer").click()
    expect(student.get_by_role("status")).to_contain_text(re.compile("accept", re.I))
    check_page(student)
    student.get_by_label("Links to your work").fill("https://example.org/lee/survey-findings")
    student.get_by_label("Note for the organization").fill("The summary and the cleaned data.")
    student.get_by_role("button", name="Submit the work").click()
    expect(student.get_by_role("heading", name="The work you submitted")).to_be_visible()

    # --- The employer confirms the work and writes a testimonial.
    employer.reload()
    decide(employer, "Mark complete")
    expect(employer.locator(".messagelist")).to_contain_text("Work marked complete for Lee Park")
    feedback = employer.get_by_role("region", name="Your feedback on Lee Park")
    feedback.get_by_role("radio", name="5 of 5").check()
    feedback.get_by_label(re.compile("^Testimonial")).fill(
        "Lee found the three findings that changed our waiting room. Clear and on time."
    )
    check_admin_page(employer)
    feedback.get_by_role("button", name="Give feedback").click()
    expect(employer.locator(".messagelist")).to_contain_text("Your feedback on Lee Park is saved.")

    # --- The student publishes the testimonial and a public portfolio that shows the project.
    student.reload()
    expect(student.get_by_text("Lee found the three findings")).to_be_visible()
    student.get_by_role("button", name="Show it on my portfolio").click()
    check_page(student)
    nav(student, "My profile")
    student.get_by_label(re.compile("^Portfolio address")).fill("lee-park")
    student.get_by_role("checkbox", name=re.compile("portfolio", re.I)).check()
    student.get_by_role("button", name="Save profile").click()
    expect(student.get_by_role("status")).to_contain_text("Your profile is saved.")
    student.get_by_role("link", name=re.compile(r"lee-park")).click()
    expect(student.get_by_role("heading", level=1)).to_have_text("Lee Park")
    project = student.get_by_role("article", name=listing.title)
    expect(project).to_contain_text("Verified by Lakeside Clinic")
    expect(project).to_contain_text("Lee found the three findings")
    check_page(student)
