"""Employers hear every decision the career center makes about their listings, in email and
in the app, addressed to them, with the reason and a link to the listing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from listings.models import ListingEvent
from notifications.models import Notification
from tests.factories import EmployerFactory, ListingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(organization, employer):
    """The owner and an active member; people asking to join, with an address nobody has
    confirmed, or in another organization must hear nothing."""
    member = UserFactory(email="member@northwind.test")
    MembershipFactory(user=member, organization=organization, role=Membership.Role.MEMBER)
    asking = UserFactory(email="asking@northwind.test")
    MembershipFactory(user=asking, organization=organization, status=Membership.Status.REQUESTED)
    unconfirmed = UserFactory(email="unconfirmed@northwind.test", verified_email=False)
    MembershipFactory(user=unconfirmed, organization=organization, role=Membership.Role.MEMBER)
    EmployerFactory(email="boss@elsewhere.test")  # another organization
    return [employer, member]


def told(kind: str) -> dict[str, Notification]:
    return {n.to_email: n for n in Notification.objects.filter(kind=f"listings.{kind}")}


def test_approval_tells_each_active_member_with_the_public_link(
    django_capture_on_commit_callbacks, organization, members, staff
):
    listing = ListingFactory(submitted=True, organization=organization, title="Survey analysis")

    with django_capture_on_commit_callbacks(execute=True):
        listing.approve(by=staff, revision=listing.revision)

    notices = told("approved")
    assert set(notices) == {person.email for person in members}
    notice = notices["member@northwind.test"]
    assert notice.recipient == members[1]
    assert notice.subject == "“Survey analysis” is published: students can apply now"
    assert "The career center approved your listing “Survey analysis”" in notice.body_text
    assert listing.get_absolute_url() in notice.body_text
    assert notice.link == reverse("employer:listings_listing_change", args=[listing.pk])


@pytest.mark.parametrize(
    ("action", "kind", "wording"),
    [
        ("request_changes", "changes_requested", "asks for changes before students can see it"),
        ("reject", "rejected", "did not approve your listing"),
    ],
)
def test_a_listing_sent_back_or_refused_says_why(
    organization, members, staff, action, kind, wording
):
    listing = ListingFactory(submitted=True, organization=organization)

    getattr(listing, action)(
        by=staff, reason=ListingEvent.Reason.UPFRONT_COST, note="Remove the $20 sign-up fee."
    )

    notice = told(kind)["boss@northwind.test"]
    assert wording in notice.body_text
    assert "Upfront cost to student" in notice.body_text
    assert "Remove the $20 sign-up fee." in notice.body_text
    assert reverse("employer:listings_listing_change", args=[listing.pk]) in notice.body_text


def test_suspending_reinstating_and_removing_are_each_told(organization, members, staff):
    listing = ListingFactory(published=True, organization=organization)

    listing.suspend(by=staff, reason=ListingEvent.Reason.SUSPICIOUS_ORGANIZATION)
    listing.reinstate(by=staff)
    listing.suspend(by=staff)
    listing.remove(by=staff, reason=ListingEvent.Reason.OTHER, note="Not a real project.")

    assert len(told("suspended")) == 2
    assert "Suspicious organization" in told("suspended")["boss@northwind.test"].body_text
    assert "published your listing" in told("reinstated")["member@northwind.test"].body_text
    removed = told("removed")["boss@northwind.test"].body_text
    assert "took down your listing" in removed and "Not a real project." in removed
    # Two suspensions, one each: every event has its own notice per person.
    assert Notification.objects.filter(kind="listings.suspended").count() == 2 * len(members)


def test_an_automatic_suspension_is_told_once_by_its_own_notice(organization, members):
    listing = ListingFactory(published=True, organization=organization)

    listing.suspend(by=None, reason="reports")

    assert told("suspended") == {}


def test_publishing_steps_the_organization_takes_itself_are_not_told(organization, members):
    listing = ListingFactory(organization=organization)

    listing.submit(by=members[0])

    assert not Notification.objects.filter(recipient__in=members).exists()


@pytest.mark.parametrize(
    ("steps", "kind", "wording"),
    [
        (["verify"], "organization_verified", "The career center verified Northwind Test"),
        (["suspend"], "organization_suspended", "The career center suspended Northwind Test"),
        (["suspend", "reinstate"], "organization_reinstated", "It is verified again"),
    ],
)
def test_the_members_hear_what_the_career_center_decides_about_their_organization(
    organization, members, staff, steps, kind, wording
):
    if steps == ["verify"]:
        organization.verification = organization.Verification.PENDING
        organization.save()
    for step in steps:
        getattr(organization, step)(by=staff)

    notices = {n.to_email: n for n in Notification.objects.filter(kind=f"accounts.{kind}")}
    assert set(notices) == {person.email for person in members}
    assert wording in notices["member@northwind.test"].body_text
    assert notices["member@northwind.test"].link == reverse("employer:index")
