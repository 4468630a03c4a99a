"""Users, organizations, memberships and profiles: transitions and database invariants."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from accounts.models import Membership, Organization, OrganizationEvent, StudentProfile, User
from notifications.models import Notification
from tests.factories import (
    EmployerFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PENDING = Organization.Verification.PENDING
VERIFIED = Organization.Verification.VERIFIED
SUSPENDED = Organization.Verification.SUSPENDED
REQUESTED = Membership.Status.REQUESTED
ACTIVE = Membership.Status.ACTIVE
REMOVED = Membership.Status.REMOVED


def assert_integrity_error(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# --- User ---------------------------------------------------------------------------------


def test_create_user_normalises_email_to_lower_case():
    user = User.objects.create_user("  Ada.Lovelace@Example.COM ", "violet-lantern-orbit-42")

    assert user.email == "ada.lovelace@example.com"
    assert user.check_password("violet-lantern-orbit-42")
    assert not user.is_staff and not user.is_superuser


def test_saving_a_user_normalises_email():
    user = UserFactory()
    user.email = "MiXeD@Example.org"
    user.save()

    user.refresh_from_db()
    assert user.email == "mixed@example.org"


def test_email_is_unique_whatever_its_case():
    UserFactory(email="ada@example.com")

    assert_integrity_error(lambda: User.objects.create_user("ADA@example.com", "x"))
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1


def test_database_refuses_an_upper_case_email_written_around_save():
    user = UserFactory(email="ada@example.com")

    assert_integrity_error(lambda: User.objects.filter(pk=user.pk).update(email="Ada@Example.com"))


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "x")


def test_create_user_without_password_cannot_sign_in_by_password():
    user = User.objects.create_user("nopass@example.com")

    assert not user.has_usable_password()


def test_create_superuser():
    user = User.objects.create_superuser("Root@Example.com", "violet-lantern-orbit-42")

    assert user.email == "root@example.com"
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.is_career_staff
    assert user.check_password("violet-lantern-orbit-42")


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_create_superuser_refuses_to_drop_its_flags(flag):
    with pytest.raises(ValueError):
        User.objects.create_superuser("root@example.com", "x", **{flag: False})
    assert not User.objects.exists()


def test_display_name_falls_back_to_the_email_local_part():
    assert UserFactory(first_name="Ada", last_name="L").display_name == "Ada L"
    assert UserFactory(first_name="", last_name="", email="grace@x.org").display_name == "grace"


def test_roles(student, employer, staff, suspended_employer):
    assert student.is_student and not student.is_employer and not student.is_career_staff
    assert employer.is_employer and not employer.is_student and not employer.is_career_staff
    assert staff.is_career_staff and not staff.is_employer
    assert not suspended_employer.is_employer
    assert not UserFactory(is_staff=True).is_career_staff


def test_inactive_people_have_no_role(employer, staff):
    for user in (employer, staff):
        user.is_active = False
        user.save()
        assert not user.is_employer
        assert not user.is_career_staff


# --- Organization queries and registration ---------------------------------------------------


def test_employable_by_needs_an_active_membership_in_an_organization_not_suspended(organization):
    active = MembershipFactory(organization=organization, role="member").user
    requested = MembershipFactory(organization=organization, status=REQUESTED).user
    removed = MembershipFactory(organization=organization, status=REMOVED).user
    pending_org = OrganizationFactory()
    pending_member = MembershipFactory(organization=pending_org).user

    assert list(Organization.objects.employable_by(active)) == [organization]
    assert list(Organization.objects.employable_by(pending_member)) == [pending_org]
    assert not Organization.objects.employable_by(requested).exists()
    assert not Organization.objects.employable_by(removed).exists()
    organization.suspend(by=None)
    assert not Organization.objects.employable_by(active).exists()


def test_for_email_domain_ignores_case_and_free_webmail(organization, employer):
    assert list(Organization.objects.for_email_domain("NorthWind.Test")) == [organization]
    Organization.objects.filter(pk=organization.pk).update(email_domain="gmail.com")
    assert not Organization.objects.for_email_domain("gmail.com").exists()
    assert not Organization.objects.for_email_domain("").exists()


def test_register_creates_a_pending_organization_with_its_owner():
    owner = UserFactory(email="founder@newco.example")

    organization = Organization.register(
        name="Newco", website="https://newco.example", email_domain="NewCo.Example", owner=owner
    )

    assert organization.verification == PENDING
    assert organization.email_domain == "newco.example"
    assert organization.slug == "newco"
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role, membership.status) == (owner, "owner", ACTIVE)
    assert owner.is_employer


@pytest.mark.parametrize("domain", ["gmail.com", "GMAIL.com"])
def test_register_never_claims_a_free_webmail_domain(domain):
    organization = Organization.register(
        name="Solo", website="", email_domain=domain, owner=UserFactory()
    )

    assert organization.email_domain == ""


def test_register_asks_for_a_domain_but_the_first_verified_claim_holds(organization, employer):
    newcomer = Organization.register(
        name="Northwind Clone", website="", email_domain="NORTHWIND.test", owner=UserFactory()
    )

    assert newcomer.email_domain == "northwind.test"
    assert list(Organization.objects.for_email_domain("northwind.test")) == [organization]


def test_verifying_a_second_claim_on_a_held_domain_drops_it(organization, employer, staff):
    copy = Organization.register(
        name="Northwind Copy",
        website="",
        email_domain="northwind.test",
        owner=UserFactory(email="copy@northwind.test"),
    )

    copy.verify(by=staff)

    copy.refresh_from_db()
    assert copy.is_verified and copy.email_domain == ""
    assert "stays with Northwind Test" in copy.events.first().note
    assert list(Organization.objects.for_email_domain("northwind.test")) == [organization]


def test_a_domain_is_claimed_only_once_verified_and_its_owner_confirmed(staff):
    owner = UserFactory(email="hr@bigcorp.example", verified_email=False)
    organization = Organization.register(
        name="BigCorp", website="", email_domain="bigcorp.example", owner=owner
    )
    assert not Organization.objects.for_email_domain("bigcorp.example").exists()

    organization.verify(by=staff)
    # Verified, but nobody has shown they read mail at the domain.
    assert not Organization.objects.for_email_domain("bigcorp.example").exists()

    EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
    assert list(Organization.objects.for_email_domain("bigcorp.example")) == [organization]


def test_slugs_are_unique():
    first = OrganizationFactory(name="Acme")
    second = OrganizationFactory(name="Acme")

    assert first.slug == "acme"
    assert second.slug == "acme-2"


def test_email_domain_is_normalised_on_save():
    organization = OrganizationFactory(email_domain=" @Acme.Example ")

    assert organization.email_domain == "acme.example"


# --- Organization transitions ---------------------------------------------------------------


ORGANIZATION = Organization.TRANSITIONS


@pytest.mark.parametrize(
    ("start", "method"),
    [(start, m) for m, transition in ORGANIZATION.items() for start in sorted(transition.source)],
)
def test_allowed_organization_transitions_record_an_event(start, method):
    staff = StaffFactory()
    organization = OrganizationFactory(verification=start)

    getattr(organization, method)(by=staff, note="checked the website")

    organization.refresh_from_db()
    end = organization.verification
    assert end in ORGANIZATION[method].targets
    event = OrganizationEvent.objects.get(organization=organization)
    assert (event.actor, event.from_status, event.to_status) == (staff, start, end)
    assert event.note == "checked the website"


def test_verify_stamps_who_and_when():
    staff = StaffFactory()
    organization = OrganizationFactory()

    organization.verify(by=staff)

    organization.refresh_from_db()
    assert organization.verified_by == staff
    assert organization.verified_at is not None
    assert organization.is_verified


@pytest.mark.parametrize(
    ("start", "method"),
    [
        (start, m)
        for m, transition in ORGANIZATION.items()
        for start in sorted(set(Organization.Verification) - transition.source)
    ],
)
def test_forbidden_organization_transitions_change_nothing(start, method):
    organization = OrganizationFactory(verification=start, name="Acme")

    with pytest.raises(ValidationError) as raised:
        getattr(organization, method)(by=StaffFactory())

    message = " ".join(raised.value.messages)
    assert message.startswith("Acme is ")
    assert "cannot become" in message
    organization.refresh_from_db()
    assert organization.verification == start
    assert organization.verified_at is None
    assert not organization.events.exists()


def test_transition_checks_the_stored_status_not_a_stale_copy():
    organization = OrganizationFactory()
    stale = Organization.objects.get(pk=organization.pk)
    organization.verify(by=None)

    with pytest.raises(ValidationError):
        stale.verify(by=None)
    assert organization.events.count() == 1


def test_reinstating_an_organization_suspended_before_verification_leaves_it_pending():
    staff = StaffFactory()
    organization = OrganizationFactory()
    organization.suspend(by=staff)

    organization.reinstate(by=staff)

    organization.refresh_from_db()
    assert organization.verification == PENDING
    assert organization.verified_at is None
    assert organization.events.first().to_status == PENDING
    # It still has to be verified before its listings can be published.
    organization.verify(by=staff)
    assert organization.is_verified


def test_reinstating_a_verified_organization_makes_it_verified_again():
    staff = StaffFactory()
    organization = OrganizationFactory()
    organization.verify(by=staff)
    organization.suspend(by=staff)

    organization.reinstate(by=staff)

    assert organization.verification == VERIFIED


def test_suspending_takes_members_out_of_the_employer_site(employer, organization):
    organization.suspend(by=StaffFactory())

    assert not employer.is_employer
    organization.reinstate(by=StaffFactory())
    assert employer.is_employer


def test_database_refuses_an_unknown_verification(organization):
    assert_integrity_error(
        lambda: Organization.objects.filter(pk=organization.pk).update(verification="approved")
    )


# --- Membership --------------------------------------------------------------------------------


# The owners' decisions; confirming a request is the requester's own step (tested below).
DECISIONS = {m: t for m, t in Membership.TRANSITIONS.items() if m != "confirm"}


@pytest.mark.parametrize(
    ("start", "method"),
    [(start, m) for m, transition in DECISIONS.items() for start in sorted(transition.source)],
)
def test_allowed_membership_transitions(organization, employer, start, method):
    membership = MembershipFactory(organization=organization, role="member", status=start)

    getattr(membership, method)(by=employer)

    membership.refresh_from_db()
    assert membership.status == DECISIONS[method].target
    assert membership.decided_by == employer
    assert membership.decided_at is not None


@pytest.mark.parametrize(
    ("start", "method"),
    [
        (start, m)
        for m, transition in DECISIONS.items()
        for start in sorted(set(Membership.Status) - transition.source)
    ],
)
def test_forbidden_membership_transitions_change_nothing(organization, employer, start, method):
    membership = MembershipFactory(
        organization=organization, role="member", status=start, user__email="pat@northwind.test"
    )

    with pytest.raises(ValidationError) as raised:
        getattr(membership, method)(by=employer)

    assert "pat@northwind.test is already" in " ".join(raised.value.messages)
    membership.refresh_from_db()
    assert membership.status == start
    assert membership.decided_by is None


def test_the_last_owner_cannot_be_removed(employer):
    membership = employer.memberships.get()

    with pytest.raises(ValidationError) as raised:
        membership.remove(by=employer)

    assert "at least one owner" in " ".join(raised.value.messages)
    membership.refresh_from_db()
    assert membership.status == ACTIVE
    assert membership.decided_at is None


def test_an_owner_can_be_removed_while_another_owner_remains(employer, organization):
    second = MembershipFactory(organization=organization, role="owner")
    membership = employer.memberships.get()

    membership.remove(by=second.user)

    membership.refresh_from_db()
    assert membership.status == REMOVED
    assert not employer.is_employer
    # Now the remaining owner is the last one.
    with pytest.raises(ValidationError):
        second.remove(by=second.user)


def test_a_removed_owner_does_not_count_as_another_owner(employer, organization):
    MembershipFactory(organization=organization, role="owner", status=REMOVED)

    with pytest.raises(ValidationError):
        employer.memberships.get().remove(by=employer)


def test_one_membership_per_person_and_organization(employer, organization):
    assert_integrity_error(
        lambda: Membership.objects.create(user=employer, organization=organization)
    )


@pytest.mark.parametrize(("field", "value"), [("status", "banned"), ("role", "admin")])
def test_database_refuses_unknown_membership_values(employer, field, value):
    membership = employer.memberships.get()

    assert_integrity_error(
        lambda: Membership.objects.filter(pk=membership.pk).update(**{field: value})
    )


def test_request_to_join_tells_only_the_active_owners(
    organization, employer, django_capture_on_commit_callbacks
):
    MembershipFactory(organization=organization, role="member", user__email="m@northwind.test")
    MembershipFactory(
        organization=organization, role="owner", status=REMOVED, user__email="gone@northwind.test"
    )
    second_owner = EmployerFactory(
        email="owner2@northwind.test", membership__organization=organization
    )
    requester = UserFactory(email="new@northwind.test")

    with django_capture_on_commit_callbacks():
        membership = Membership.request_to_join(user=requester, organization=organization)

    assert (membership.status, membership.role) == (REQUESTED, "member")
    notes = Notification.objects.filter(kind="accounts.join_request")
    assert {n.to_email for n in notes} == {employer.email, second_owner.email}
    assert all(n.recipient.email == n.to_email for n in notes)
    assert all(organization.name in n.subject + n.body_text for n in notes)


def test_a_second_request_to_join_is_refused(organization, employer):
    requester = UserFactory()
    Membership.request_to_join(user=requester, organization=organization)

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.request_to_join(user=requester, organization=organization)
    assert Notification.objects.filter(kind="accounts.join_request").count() == 1


# --- StudentProfile ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1949, 2101])
def test_database_refuses_an_implausible_graduation_year(student, year):
    assert_integrity_error(
        lambda: StudentProfile.objects.filter(user=student).update(graduation_year=year)
    )


def test_one_profile_per_student(student):
    assert_integrity_error(lambda: StudentProfile.objects.create(user=student))


@override_settings(FREE_EMAIL_DOMAINS=["example.net"])
def test_free_webmail_list_comes_from_settings():
    organization = Organization.register(
        name="Net", website="", email_domain="example.net", owner=UserFactory()
    )

    assert organization.email_domain == ""


def test_approving_a_join_request_tells_the_new_member(
    employer, organization, django_capture_on_commit_callbacks, mailoutbox, settings
):
    from accounts.models import Membership
    from tests.factories import UserFactory

    newcomer = UserFactory(email="new@northwind.test")
    membership = Membership.objects.create(
        user=newcomer, organization=organization, status=Membership.Status.REQUESTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership.approve(by=employer)
    assert [m.to for m in mailoutbox] == [["new@northwind.test"]]
    assert organization.name in mailoutbox[0].subject
    assert f"{settings.SITE_URL}/employer/" in mailoutbox[0].body
