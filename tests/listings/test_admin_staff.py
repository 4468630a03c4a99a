"""The staff admin at /staff/: the moderation queue, its actions, and students' reports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from listings.models import Listing, ListingReport
from tests.factories import (
    EstablishedStudentFactory,
    ListingFactory,
    OrganizationFactory,
    StudentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:listings_listing_changelist")
QUEUE = CHANGELIST + "?status=submitted"
REPORTS = reverse("admin:listings_listingreport_changelist")


def change_url(listing):
    return reverse("admin:listings_listing_change", args=[listing.pk])


def step_url(listing, step):
    return reverse("admin:listings_listing_step", args=[listing.pk, step])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, action, objects, url=QUEUE, **extra):
    """Post an admin action; without `apply` this opens its confirmation page."""
    return client.post(
        url,
        {"action": action, "_selected_action": [str(x.pk) for x in objects], "index": "0", **extra},
    )


def revisions(listings):
    """What the approve confirmation page posts back: the version of each listing shown."""
    return {f"revision-{listing.pk}": str(listing.revision) for listing in listings}


def submitted(**kwargs):
    listing = ListingFactory(**kwargs)
    listing.submit(by=None)
    listing.refresh_from_db()
    return listing


# --- The queue ---------------------------------------------------------------------------


def test_listings_open_on_the_queue(login, staff):
    response = login(staff).get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].endswith("?status=submitted")


def test_queue_is_riskiest_first_then_oldest(login, staff):
    now = timezone.now()
    low_old = ListingFactory(submitted=True, risk_score=0, submitted_at=now - timedelta(days=5))
    high_new = ListingFactory(submitted=True, risk_score=60, submitted_at=now - timedelta(hours=2))
    low_new = ListingFactory(submitted=True, risk_score=0, submitted_at=now - timedelta(days=1))
    high_old = ListingFactory(submitted=True, risk_score=60, submitted_at=now - timedelta(days=3))
    ListingFactory(published=True, title="Already published")

    response = login(staff).get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [high_old, high_new, low_old, low_new]
    content = response.content.decode().replace("\xa0", " ")
    assert "3 days" in content  # How long the oldest risky one has waited.
    assert "Already published" not in content


def test_queue_lists_what_awaiting_moderation_lists_in_the_same_order(login, staff):
    now = timezone.now()
    for days, risk in [(4, 10), (2, 80), (6, 10), (1, 0), (3, 80)]:
        ListingFactory(submitted=True, risk_score=risk, submitted_at=now - timedelta(days=days))
    ListingFactory(published=True)

    response = login(staff).get(QUEUE)
    assert list(response.context["cl"].result_list) == list(Listing.objects.awaiting_moderation())


def test_all_statuses_are_one_click_away(login, staff):
    ListingFactory(published=True, title="Already published")
    response = login(staff).get(CHANGELIST + "?status=all")
    assert "Already published" in response.content.decode()


def test_change_page_shows_risk_signals_and_flags_low_pay(login, staff):
    listing = submitted(
        fee=Decimal("100"),
        estimated_hours=10,
        pay_justification="Set by our volunteer programme.",
        description="Message us on WhatsApp and pay a registration fee.",
    )
    response = login(staff).get(change_url(listing))
    assert response.status_code == 200
    content = response.content.decode()
    assert "registration fee" in content
    assert "whatsapp" in content.lower()
    assert "Below the floor of 20 an hour" in content
    assert "Set by our volunteer programme." in content
    assert step_url(listing, "approve") in content
    assert step_url(listing, "request_changes") in content


# --- Moderation actions --------------------------------------------------------------------


def test_approve_through_the_confirmation_page(login, staff):
    listing = submitted(title="Good project")
    client = login(staff)
    response = run_action(client, "approve", [listing])
    assert response.status_code == 200
    content = response.content.decode()
    assert "Good project" in content
    assert f'name="revision-{listing.pk}" value="{listing.revision}"' in content

    response = run_action(
        client, "approve", [listing], apply="1", note="Looks great.", **revisions([listing])
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    event = listing.events.first()
    assert (event.actor, event.to_status, event.note) == (staff, "published", "Looks great.")
    assert "1 listing approved and published." in messages_of(response)


def test_bulk_approve(login, staff):
    listings = [submitted() for _ in range(3)]
    response = run_action(
        login(staff), "approve", listings, apply="1", note="", **revisions(listings)
    )
    assert response.status_code == 302
    assert set(Listing.objects.values_list("status", flat=True)) == {"published"}
    assert "3 listings approved and published." in messages_of(response)
    for listing in listings:
        assert listing.events.first().actor == staff


def test_approve_is_refused_for_an_unverified_organization(login, staff):
    pending = OrganizationFactory(verification=Organization.Verification.PENDING, name="New Co")
    listing = submitted(organization=pending)
    response = run_action(login(staff), "approve", [listing], apply="1", **revisions([listing]))
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED
    assert any("New Co is not verified" in m for m in messages_of(response))


@pytest.mark.parametrize(
    ("action", "status"),
    [("request_changes", "changes_requested"), ("reject", "rejected")],
)
def test_request_changes_and_reject_need_a_reason(login, staff, action, status):
    listing = submitted()
    client = login(staff)
    response = run_action(client, action, [listing], apply="1", reason="", note="Details.")
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED

    response = run_action(
        client, action, [listing], apply="1", reason="pay_structure", note="Pay per deliverable."
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == status
    assert listing.moderation_reason == "pay_structure"
    assert listing.moderation_note == "Pay per deliverable."
    event = listing.events.first()
    assert (event.actor, event.reason, event.note) == (
        staff,
        "pay_structure",
        "Pay per deliverable.",
    )


def test_moderation_from_the_listing_page(login, staff):
    listing = submitted()
    client = login(staff)
    response = client.get(step_url(listing, "request_changes"))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    response = client.post(
        step_url(listing, "request_changes"),
        {"apply": "1", "reason": "missing_information", "note": "Add the dates."},
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CHANGES_REQUESTED


def test_refused_transitions_are_reported(login, staff):
    listing = ListingFactory(published=True, title="Live one")
    response = run_action(
        login(staff), "reject", [listing], url=CHANGELIST, apply="1", reason="other"
    )
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert any("Live one" in m and "cannot be rejected" in m for m in messages_of(response))


def test_suspend_reinstate_and_remove(login, staff):
    listing = ListingFactory(published=True)
    client = login(staff)
    url = CHANGELIST + "?status=all"
    run_action(client, "suspend", [listing], url=url, apply="1", reason="other", note="Checking.")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED
    assert listing.events.first().reason == "other"

    run_action(client, "reinstate", [listing], url=url, apply="1")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED

    run_action(client, "suspend", [listing], url=url, apply="1", reason="other")
    response = run_action(client, "remove", [listing], url=url, apply="1", reason="")
    assert response.status_code == 200  # A reason is required to remove.
    run_action(client, "remove", [listing], url=url, apply="1", reason="upfront_cost")
    listing.refresh_from_db()
    assert listing.status == Listing.Status.REMOVED


def test_status_cannot_be_edited_by_staff(login, staff):
    listing = submitted()
    response = login(staff).get(change_url(listing))
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert 'name="_save"' not in response.content.decode()


def test_diff_against_the_approved_version_after_a_material_edit(login, staff):
    listing = submitted(fee=Decimal("600.00"), title="Diff me")
    listing.approve(by=staff)
    listing.fee = Decimal("900.00")
    listing.save()
    listing.resubmit_after_edit(by=None, changed=["fee"])

    response = login(staff).get(change_url(listing))
    content = response.content.decode()
    assert "Compared with the approved version" in content
    assert '<del><span class="visually-hidden">removed: </span>600.00</del>' in content
    assert '<ins><span class="visually-hidden">added: </span>900.00</ins>' in content
    history = "Edited after publication"
    assert history in content


# --- Reports -------------------------------------------------------------------------------


@pytest.fixture
def reported():
    """A published listing with three open reports: suspended automatically."""
    listing = ListingFactory(published=True, title="Reported project")
    reports = [
        ListingReport.file(listing=listing, reporter=EstablishedStudentFactory(), reason="scam")
        for _ in range(3)
    ]
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED
    return listing, reports


def test_report_queue_shows_open_reports(login, staff, reported):
    listing, reports = reported
    reports[0].resolve(by=staff, upheld=False)
    client = login(staff)
    assert client.get(REPORTS)["Location"].endswith("?status=open")
    response = client.get(REPORTS + "?status=open")
    assert set(response.context["cl"].result_list) == set(reports[1:])
    assert "Reported project" in response.content.decode()


def test_upholding_a_report_removes_a_suspended_listing(login, staff, reported):
    listing, reports = reported
    response = run_action(login(staff), "uphold", reports[:1], url=REPORTS + "?status=open")
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.REMOVED
    assert listing.events.first().actor == staff
    statuses = set(ListingReport.objects.values_list("status", flat=True))
    assert statuses == {ListingReport.Status.UPHELD}
    assert "“Reported project” was removed." in messages_of(response)


def test_upholding_a_report_on_a_published_listing_leaves_it_to_staff(login, staff):
    listing = ListingFactory(published=True, title="One report")
    report = ListingReport.file(listing=listing, reporter=StudentFactory(), reason="unpaid")
    response = run_action(login(staff), "uphold", [report], url=REPORTS)
    report.refresh_from_db()
    listing.refresh_from_db()
    assert report.status == ListingReport.Status.UPHELD
    assert listing.status == Listing.Status.PUBLISHED
    assert any("still published" in m for m in messages_of(response))


def test_dismissing_every_report_reinstates_an_automatically_suspended_listing(
    login, staff, reported
):
    listing, reports = reported
    client = login(staff)
    run_action(client, "dismiss", reports[:2], url=REPORTS)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED  # One report is still open.

    response = run_action(client, "dismiss", reports[2:], url=REPORTS)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert listing.events.first().actor == staff
    assert "“Reported project” is published again." in messages_of(response)


def test_dismissing_does_not_undo_a_suspension_by_staff(login, staff):
    listing = ListingFactory(published=True)
    report = ListingReport.file(listing=listing, reporter=StudentFactory(), reason="other")
    listing.suspend(by=staff, reason="other", note="Looking into it.")
    run_action(login(staff), "dismiss", [report], url=REPORTS)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED


# --- Organizations, taxonomy, access -------------------------------------------------------


def test_organization_page_lists_its_listings(login, staff, organization):
    ListingFactory(organization=organization, published=True, title="Northwind listing")
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    response = login(staff).get(url)
    assert response.status_code == 200
    assert "Northwind listing" in response.content.decode()


def test_staff_can_add_a_skill(login, staff):
    response = login(staff).post(
        reverse("admin:listings_skill_add"), {"name": "Data cleaning", "slug": "data-cleaning"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        CHANGELIST + "?status=submitted",
        REPORTS + "?status=open",
        reverse("admin:listings_industry_changelist"),
    ],
)
def test_non_staff_are_refused(login, student, employer, url):
    plain_staff = UserFactory(is_staff=True)  # Staff flag without the Career center group.
    for user in (student, employer, plain_staff):
        response = login(user).get(url, follow=True)
        assert response.status_code == 403


def test_non_staff_cannot_moderate(login, employer, organization):
    listing = submitted(organization=organization)
    response = login(employer).post(
        step_url(listing, "approve"), {"apply": "1", "note": ""}, follow=True
    )
    assert response.status_code == 403
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUBMITTED


def test_employer_text_is_escaped_on_the_moderation_page(login, staff):
    listing = submitted(
        fee=Decimal("100"), estimated_hours=10, pay_justification="<script>alert(1)</script>"
    )
    content = login(staff).get(change_url(listing)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
