"""The employer admin at /employer/: writing, submitting, closing and cancelling listings."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from listings.models import Listing, ListingEvent
from tests.factories import (
    EmployerFactory,
    IndustryFactory,
    ListingFactory,
    MembershipFactory,
    OrganizationFactory,
    SkillFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("employer:listings_listing_changelist")
ADD = reverse("employer:listings_listing_add")

MANAGEMENT = {
    "events-TOTAL_FORMS": "0",
    "events-INITIAL_FORMS": "0",
    "events-MIN_NUM_FORMS": "0",
    "events-MAX_NUM_FORMS": "1000",
}


def change_url(listing):
    return reverse("employer:listings_listing_change", args=[listing.pk])


def step_url(listing, step):
    return reverse("employer:listings_listing_step", args=[listing.pk, step])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def new_listing_data(**overrides):
    today = timezone.localdate()
    data = {
        "title": "Clean our donor data",
        "summary": "Tidy a spreadsheet of donors and write up what you find.",
        "description": "We have **4,000** donor rows.\r\nHelp us clean them.",
        "deliverables": "A cleaned CSV\r\nA one-page summary",
        "industry": IndustryFactory(name="Non-profit").pk,
        "estimated_hours": "10",
        "fee": "400.00",
        "currency": "USD",
        "pay_justification": "",
        "location_type": "remote",
        "city": "",
        "region": "",
        "country": "US",
        "openings": "1",
        "application_deadline": (today + timedelta(days=14)).isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
        "eligibility": "",
        "contact_email": "jobs@northwind.test",
        **MANAGEMENT,
    }
    data.update(overrides)
    return data


def edit_data(listing, **overrides):
    """The change form as the browser would send it back, with CRLF line endings."""
    data = {
        "title": listing.title,
        "summary": listing.summary,
        "description": listing.description.replace("\n", "\r\n"),
        "deliverables": listing.deliverables.replace("\n", "\r\n"),
        "skills": [str(pk) for pk in listing.skills.values_list("pk", flat=True)],
        "industry": listing.industry_id,
        "estimated_hours": str(listing.estimated_hours),
        "fee": str(listing.fee),
        "currency": listing.currency,
        "pay_justification": listing.pay_justification,
        "location_type": listing.location_type,
        "city": listing.city,
        "region": listing.region,
        "country": listing.country,
        "openings": str(listing.openings),
        "application_deadline": listing.application_deadline.isoformat(),
        "due_date": listing.due_date.isoformat(),
        "eligibility": listing.eligibility,
        "contact_email": listing.contact_email,
        **MANAGEMENT,
    }
    data.update(overrides)
    return data


def run_action(client, action, listings, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [str(x.pk) for x in listings],
            "index": "0",
            **extra,
        },
    )


def published(organization, **kwargs):
    """A listing published the real way, so it has an approved version to compare with."""
    listing = ListingFactory(organization=organization, submitted=True, **kwargs)
    listing.approve(by=StaffFactory())
    return listing


# --- Adding and saving -------------------------------------------------------------------


def test_add_form_explains_pay_and_hides_status_and_organization(login, employer):
    response = login(employer).get(ADD)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "organization" not in form.fields
    assert "status" not in form.fields
    content = response.content.decode()
    assert "effective hourly rate" in content.lower()
    assert "20 an hour" in content
    assert 'name="_submit"' in content


def test_adding_a_listing_saves_a_draft_for_the_members_organization(login, employer, organization):
    skill = SkillFactory(name="Spreadsheets")
    response = login(employer).post(ADD, new_listing_data(skills=[str(skill.pk)]))
    assert response.status_code == 302
    listing = Listing.objects.get(title="Clean our donor data")
    assert listing.organization == organization
    assert listing.status == Listing.Status.DRAFT
    assert listing.created_by == employer
    assert listing.hourly_rate == Decimal("40.00")
    assert list(listing.skills.all()) == [skill]
    assert listing.description == "We have **4,000** donor rows.\nHelp us clean them."
    assert any("draft" in message for message in messages_of(response))


def test_member_of_several_organizations_chooses_among_their_own(login, employer, organization):
    second = OrganizationFactory(verified=True, name="Second Org")
    MembershipFactory(user=employer, organization=second)
    stranger = OrganizationFactory(verified=True, name="Stranger Org")
    client = login(employer)

    form = client.get(ADD).context["adminform"].form
    choices = set(form.fields["organization"].queryset)
    assert choices == {organization, second}

    response = client.post(ADD, new_listing_data(organization=stranger.pk))
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Listing.objects.exists()

    response = client.post(ADD, new_listing_data(organization=second.pk))
    assert response.status_code == 302
    assert Listing.objects.get().organization == second


def test_past_deadline_is_refused_at_the_field(login, employer):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = login(employer).post(
        ADD, new_listing_data(application_deadline=yesterday.isoformat())
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "has passed" in errors["application_deadline"][0]
    assert not Listing.objects.exists()


def test_due_date_before_deadline_is_refused_at_the_field(login, employer):
    today = timezone.localdate()
    response = login(employer).post(
        ADD,
        new_listing_data(
            application_deadline=(today + timedelta(days=10)).isoformat(),
            due_date=(today + timedelta(days=5)).isoformat(),
        ),
    )
    assert response.status_code == 200
    assert "due_date" in response.context["adminform"].form.errors


# --- Submitting ----------------------------------------------------------------------------


def test_submit_button_on_the_add_form_sends_it_for_review(login, employer):
    response = login(employer).post(ADD, new_listing_data(_submit="Submit for review"))
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert listing.status == Listing.Status.SUBMITTED
    assert listing.submitted_at is not None
    event = listing.events.get()
    assert (event.actor, event.from_status, event.to_status) == (employer, "draft", "submitted")
    assert any("sent to the career center" in m for m in messages_of(response))


def test_submit_button_on_the_change_form(login, employer, organization):
    listing = ListingFactory(organization=organization)
    response = login(employer).post(
        change_url(listing), edit_data(listing, _submit="Submit for review")
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_submit_action(login, employer, organization):
    drafts = ListingFactory.create_batch(2, organization=organization)
    response = run_action(login(employer), "submit_for_review", drafts)
    assert response.status_code == 302
    assert set(Listing.objects.values_list("status", flat=True)) == {"submitted"}
    assert "2 listings sent to the career center for review." in messages_of(response)


def test_pay_below_the_floor_without_justification_is_refused_at_the_field(login, employer):
    data = new_listing_data(fee="100.00", estimated_hours="10", _submit="Submit for review")
    response = login(employer).post(ADD, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "below the 20 USD floor" in form.errors["pay_justification"][0]
    # The typed data stays in the form; nothing was saved.
    assert form["fee"].value() == "100.00"
    assert not Listing.objects.exists()


def test_pay_below_the_floor_with_a_justification_is_accepted(login, employer):
    data = new_listing_data(
        fee="100.00",
        estimated_hours="10",
        pay_justification="A fixed stipend set by our university grant.",
        _submit="Submit for review",
    )
    response = login(employer).post(ADD, data)
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert listing.status == Listing.Status.SUBMITTED
    assert "below_pay_floor" in [signal["code"] for signal in listing.risk_signals]


def test_saving_a_draft_below_the_floor_is_allowed(login, employer):
    response = login(employer).post(ADD, new_listing_data(fee="50.00"))
    assert response.status_code == 302
    assert Listing.objects.get().status == Listing.Status.DRAFT


def test_unpaid_listing_is_refused_with_a_clear_message(login, employer, organization):
    client = login(employer)
    response = client.post(ADD, new_listing_data(fee="0", _submit="Submit for review"))
    assert response.status_code == 200
    assert "are paid" in response.context["adminform"].form.errors["fee"][0]

    draft = ListingFactory(organization=organization, fee=Decimal("0"), title="Free work")
    response = run_action(client, "submit_for_review", [draft])
    assert any("“Free work”" in m and "are paid" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_past_deadline_is_refused_on_submission(login, employer, organization):
    past = timezone.localdate() - timedelta(days=2)
    draft = ListingFactory(organization=organization, application_deadline=past, title="Late one")
    response = run_action(login(employer), "submit_for_review", [draft])
    assert any("deadline has passed" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_submitting_an_old_draft_with_a_past_deadline_shows_it_at_the_field(
    login, employer, organization
):
    past = timezone.localdate() - timedelta(days=2)
    draft = ListingFactory(organization=organization, application_deadline=past)
    response = login(employer).post(
        change_url(draft), edit_data(draft, _submit="Submit for review")
    )
    assert response.status_code == 200
    assert "has passed" in response.context["adminform"].form.errors["application_deadline"][0]


# --- Editing a published listing -----------------------------------------------------------


def test_material_edit_of_a_published_listing_goes_back_to_review(login, employer, organization):
    listing = published(organization)
    response = login(employer).post(change_url(listing), edit_data(listing, fee="800.00"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    event = listing.events.first()
    assert event.actor == employer
    assert event.reason == "material_edit"
    assert "fee" in event.note
    assert any("is waiting for review" in m for m in messages_of(response))


def test_material_edit_below_the_floor_needs_a_justification(login, employer, organization):
    listing = published(organization)
    response = login(employer).post(change_url(listing), edit_data(listing, fee="100.00"))
    assert response.status_code == 200
    assert "pay_justification" in response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert listing.fee == Decimal("600.00")


# --- Moderation feedback -------------------------------------------------------------------


def test_employer_sees_requested_changes_and_resubmits(login, employer, organization):
    listing = ListingFactory(organization=organization, submitted=True)
    listing.request_changes(
        by=StaffFactory(), reason="missing_information", note="Say which tools you use."
    )
    client = login(employer)
    response = client.get(change_url(listing))
    content = response.content.decode()
    assert "Missing information" in content
    assert "Say which tools you use." in content
    assert 'name="_submit"' in content

    response = client.post(
        change_url(listing),
        edit_data(listing, description="We use Excel and Python.", _submit="Submit for review"),
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_rejected_listing_is_read_only_with_the_reason(login, employer, organization):
    listing = ListingFactory(organization=organization, submitted=True)
    listing.reject(by=StaffFactory(), reason="not_a_project", note="This is a full-time job.")
    client = login(employer)
    response = client.get(change_url(listing))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Not a project" in content
    assert "This is a full-time job." in content
    assert 'name="_submit"' not in content
    assert 'name="_save"' not in content
    response = client.post(change_url(listing), edit_data(listing, title="Sneaky"))
    assert response.status_code == 403
    listing.refresh_from_db()
    assert listing.title != "Sneaky"


def test_history_inline_names_the_career_center_not_the_staff_member(login, employer, organization):
    listing = ListingFactory(organization=organization, submitted=True)
    reviewer = StaffFactory(email="reviewer@career.test")
    listing.request_changes(by=reviewer, reason="other", note="Please clarify.")
    content = login(employer).get(change_url(listing)).content.decode()
    assert "Career center" in content
    assert "reviewer@career.test" not in content


# --- Closing and cancelling ----------------------------------------------------------------


def test_close_early_through_the_action(login, employer, organization):
    listing = published(organization, title="Open one")
    draft = ListingFactory(organization=organization, title="Still a draft")
    client = login(employer)
    response = run_action(client, "close_early", [listing, draft])
    assert response.status_code == 200  # The confirmation page.
    assert "Open one" in response.content.decode()

    response = run_action(client, "close_early", [listing, draft], apply="Close")
    assert response.status_code == 302
    listing.refresh_from_db()
    draft.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
    assert listing.events.first().actor == employer
    assert draft.status == Listing.Status.DRAFT
    found = messages_of(response)
    assert "1 listing closed to new applications." in found
    assert any("Still a draft" in m and "cannot be closed" in m for m in found)


def test_cancel_needs_a_reason(login, employer, organization):
    listing = published(organization)
    client = login(employer)
    response = run_action(client, "cancel_listings", [listing], apply="Cancel", note="  ")
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED

    response = run_action(
        client, "cancel_listings", [listing], apply="Cancel", note="The grant fell through."
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CANCELLED
    event = listing.events.first()
    assert (event.actor, event.note) == (employer, "The grant fell through.")


def test_cancel_from_the_change_page(login, employer, organization):
    listing = ListingFactory(organization=organization)
    client = login(employer)
    assert step_url(listing, "cancel") in client.get(change_url(listing)).content.decode()
    response = client.get(step_url(listing, "cancel"))
    assert response.status_code == 200
    response = client.post(step_url(listing, "cancel"), {"apply": "1", "note": "Not needed."})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CANCELLED
    # A cancelled listing is read-only.
    response = client.get(change_url(listing))
    assert 'name="_save"' not in response.content.decode()


# --- Isolation between organizations -----------------------------------------------------


@pytest.fixture
def foreign_listing(other_organization):
    return ListingFactory(
        organization=other_organization, title="Globex secret project", submitted=True
    )


def test_changelist_shows_only_own_listings(login, employer, organization, foreign_listing):
    ListingFactory(organization=organization, title="Our own project")
    content = login(employer).get(CHANGELIST).content.decode()
    assert "Our own project" in content
    assert "Globex secret project" not in content


@pytest.mark.parametrize("view", ["change", "history"])
def test_foreign_listing_pages_are_not_found(login, employer, foreign_listing, view):
    url = reverse(f"employer:listings_listing_{view}", args=[foreign_listing.pk])
    response = login(employer).get(url, follow=True)
    content = response.content.decode()
    assert "Globex secret project" not in content
    assert "doesn’t exist" in content


def test_foreign_listing_cannot_be_edited(login, employer, foreign_listing):
    response = login(employer).post(
        change_url(foreign_listing), edit_data(foreign_listing, title="Hijacked")
    )
    assert response.status_code == 302
    foreign_listing.refresh_from_db()
    assert foreign_listing.title == "Globex secret project"


def test_foreign_step_page_is_not_found(login, employer, foreign_listing):
    client = login(employer)
    response = client.post(step_url(foreign_listing, "cancel"), {"apply": "1", "note": "Gone."})
    assert response.status_code == 302
    foreign_listing.refresh_from_db()
    assert foreign_listing.status == Listing.Status.SUBMITTED
    response = client.get(step_url(foreign_listing, "cancel"), follow=True)
    assert "Globex secret project" not in response.content.decode()


@pytest.mark.parametrize("action", ["submit_for_review", "close_early", "cancel_listings"])
def test_actions_ignore_foreign_ids(login, employer, foreign_listing, action):
    response = run_action(login(employer), action, [foreign_listing], apply="1", note="Gone.")
    assert "Globex secret project" not in response.content.decode()
    foreign_listing.refresh_from_db()
    assert foreign_listing.status == Listing.Status.SUBMITTED
    assert not ListingEvent.objects.filter(listing=foreign_listing).exists()


def test_history_view_of_own_listing(login, employer, organization):
    listing = ListingFactory(organization=organization)
    response = login(employer).get(reverse("employer:listings_listing_history", args=[listing.pk]))
    assert response.status_code == 200


# --- Who may enter -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CHANGELIST, ADD])
def test_students_and_suspended_members_are_refused(login, student, suspended_employer, url):
    for user in (student, suspended_employer):
        response = login(user).get(url, follow=True)
        assert response.status_code == 403


def test_suspended_member_cannot_post_a_listing(login, suspended_employer):
    response = login(suspended_employer).post(ADD, new_listing_data(), follow=True)
    assert response.status_code == 403
    assert not Listing.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_member_of_another_org_sees_nothing_of_ours(login, organization):
    listing = ListingFactory(organization=organization, title="Northwind plan")
    outsider = EmployerFactory()
    client = login(outsider)
    assert "Northwind plan" not in client.get(CHANGELIST).content.decode()
    response = client.get(change_url(listing), follow=True)
    assert "Northwind plan" not in response.content.decode()


def test_editing_a_listing_waiting_for_review_reassesses_its_risk(login, employer, organization):
    listing = ListingFactory(organization=organization, created_by=employer)
    listing.submit(by=employer)
    listing.refresh_from_db()
    assert "asks_for_money" not in [s["code"] for s in listing.risk_signals]
    description = "Before starting, pay an upfront registration fee."
    response = login(employer).post(
        change_url(listing), edit_data(listing, description=description)
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    assert "asks_for_money" in [s["code"] for s in listing.risk_signals]
    assert listing.risk_score >= 50


def test_skills_are_a_list_of_checkboxes_that_works_without_javascript(login, employer):
    chosen = SkillFactory(name="Bookkeeping")
    SkillFactory(name="Copywriting")
    client = login(employer)

    page = client.get(ADD).content.decode()

    assert 'role="group" aria-label="Skills"' in page
    assert page.count('type="checkbox" name="skills"') == 2
    assert "js/choice-picker.js" in page  # narrows the list as you type, when scripts run
    assert "Hold down" not in page and "SelectFilter" not in page
    client.post(ADD, new_listing_data(skills=[str(chosen.pk)]))
    assert list(Listing.objects.get().skills.all()) == [chosen]
