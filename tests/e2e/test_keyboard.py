"""Keyboard only: a student signs in, finds a project and applies with Tab, Shift+Tab, Enter, Space.

Every element that takes focus on the way must show its focus and must not be hidden
behind another element (sticky columns included).
"""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.e2e.helpers import focused, press_until
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def student_with_resume(transactional_db):
    student = StudentFactory(email="kai.m@student.test", first_name="Kai", last_name="Moreno")
    student.student_profile.resume.save("resume.pdf", ContentFile(MINIMAL_PDF))
    return student


@pytest.fixture
def listings(transactional_db):
    org = OrganizationFactory(verified=True, name="Old Mill Theatre", email_domain="oldmill.test")
    industry = IndustryFactory(name="Arts", slug="arts")
    skill = SkillFactory(name="Copywriting", slug="copywriting")
    # A few listings, so the one wanted is further down the page than the first screen.
    for number in range(4):
        ListingFactory(
            published=True,
            organization=org,
            industry=industry,
            title=f"Programme notes, season {number + 1}",
        )
    return ListingFactory(
        published=True,
        organization=org,
        industry=industry,
        skills=[skill],
        title="Write the audience survey",
        summary="Ten questions that tell us why people come back.",
    )


def test_keyboard_only_apply(page, student_with_resume, listings):
    listing = listings
    page.goto("/")

    # The first Tab reaches the skip link, which shows itself.
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to main content"

    press_until(page, "Tab", "Sign in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    press_until(page, "Tab", re.compile("^Email"))
    page.keyboard.type(student_with_resume.email)
    press_until(page, "Tab", re.compile("^Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    press_until(page, "Tab", "Browse projects")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Browse paid projects")).to_be_visible()
    press_until(page, "Tab", listing.title, limit=120)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)

    press_until(page, "Tab", "Apply for this project")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(listing.title)

    press_until(page, "Tab", re.compile("^Your pitch"))
    page.keyboard.type("I write for our student paper and would draft the questions with you.")
    press_until(page, "Tab", re.compile("^I can finish the work by"))
    page.keyboard.press("Space")
    expect(page.get_by_label(re.compile("^I can finish the work by"))).to_be_checked()

    # Back to the pitch with Shift+Tab: the text is still there.
    press_until(page, "Shift+Tab", re.compile("^Your pitch"))
    expect(page.get_by_label("Your pitch")).to_have_value(re.compile("^I write for our student"))

    press_until(page, "Tab", "Send application")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(listing.title)

    press_until(page, "Tab", "My applications")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=3, name=listing.title)).to_be_visible()
