"""The shared confirmation page of admin steps, for listings (/staff/) and applicants (/employer/)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from applications.models import Application
from listings.models import Listing
from tests.factories import ApplicationFactory, ListingFactory, StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRM_TEMPLATE = "admin/steps/confirm.html"
LISTINGS = reverse("admin:listings_listing_changelist") + "?status=all"
APPLICANTS = reverse("employer:applications_application_changelist")


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def action(client, url, name, objects, **extra):
    """Post an admin action; without `apply` this opens its confirmation page."""
    return client.post(
        url,
        {"action": name, ACTION_CHECKBOX_NAME: [str(x.pk) for x in objects], "index": "0", **extra},
    )


def submitted_listing(**kwargs) -> Listing:
    listing = ListingFactory(**kwargs)
    listing.submit(by=None)
    listing.refresh_from_db()
    return listing


@pytest.fixture
def application(organization) -> Application:
    listing = ListingFactory(organization=organization, published=True, title="Donor data")
    student = UserFactory(first_name="Ada", last_name="Lovelace")
    StudentProfileFactory(user=student)
    return ApplicationFactory(listing=listing, student=student)


def test_listing_action_opens_the_shared_page(login, staff):
    first = submitted_listing(title="Archive scan")
    second = submitted_listing(title="Survey design")
    response = action(login(staff), LISTINGS, "request_changes", [first, second])
    assert response.status_code == 200
    assert CONFIRM_TEMPLATE in template_names(response)
    page = response.content.decode()
    assert "These 2 listings" in page
    assert "Archive scan" in page and "Survey design" in page
    assert '<label for="id_reason" class="required">Reason:</label>' in page
    assert 'for="id_note">What to change:</label>' in page
    assert 'value="Send back for changes"' in page
    assert '<input type="hidden" name="action" value="request_changes">' in page
    assert page.count(f'name="{ACTION_CHECKBOX_NAME}"') == 2
    assert "There is a problem" not in page


def test_listing_step_page_opens_the_shared_page(login, staff):
    listing = submitted_listing(title="Archive scan")
    response = login(staff).get(
        reverse("admin:listings_listing_step", args=[listing.pk, "approve"])
    )
    assert CONFIRM_TEMPLATE in template_names(response)
    page = response.content.decode()
    assert "This listing" in page
    assert 'name="reason"' not in page  # Approving asks only for an optional comment.
    assert 'for="id_note">Comment:</label>' in page
    assert 'name="action"' not in page


def test_application_step_page_opens_the_shared_page(login, employer, application):
    url = reverse("employer:applications_application_step", args=[application.pk, "offer"])
    response = login(employer).get(url)
    assert CONFIRM_TEMPLATE in template_names(response)
    page = response.content.decode()
    assert "This applicant" in page
    assert "Ada Lovelace" in page
    assert "Donor data, submitted" in page
    assert 'for="id_text">Message to the student:</label>' in page
    assert 'value="Send the offer"' in page


def test_missing_reason_keeps_the_page_with_an_error_summary(login, staff):
    listing = submitted_listing()
    url = reverse("admin:listings_listing_step", args=[listing.pk, "reject"])
    response = login(staff).post(url, {"apply": "1", "reason": "", "note": "Not a real job."})
    assert response.status_code == 200
    assert CONFIRM_TEMPLATE in template_names(response)
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_reason"' in page
    assert 'aria-invalid="true"' in page
    assert "Not a real job." in page  # What was typed stays.
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_missing_words_for_an_applicant_keep_the_page_with_an_error(login, employer, application):
    application.shortlist(by=employer)
    application.offer(by=employer)
    application.refresh_from_db()
    application.accept(by=application.student)
    response = action(
        login(employer), APPLICANTS, "mark_incomplete", [application], apply="1", text=""
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_text"' in page
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
