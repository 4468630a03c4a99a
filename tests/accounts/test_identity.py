"""Identity only after proof: domain claims, join requests, organization names, staff powers."""

import re

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Membership, MembershipEvent, Organization, OrganizationEvent, User
from notifications.models import Notification
from tests.accounts.test_signup import EMPLOYER_SIGNUP_URL, SIGNUP_URL
from tests.accounts.test_signup import employer_data as signup_employer_data
from tests.factories import EmployerFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ORGS = "/employer/accounts/organization/"


def employer_data(**overrides):
    """The employer sign-up form of test_signup, without a website."""
    return signup_employer_data(**{"website": "", **overrides})


def confirm(client, address: str):
    """Follow the confirmation link emailed to `address` and confirm it."""
    body = (
        Notification.objects.filter(to_email=address, kind__startswith="account.email_confirm")
        .latest("pk")
        .body_text
    )
    link = re.search(r"https?://\S+/accounts/confirm-email/[^\s/]+/", body).group(0)
    return client.post(link.removeprefix(settings.SITE_URL), follow=True)


# --- Domain squatting ------------------------------------------------------------------------


@pytest.mark.parametrize("staff_verified_the_squatter", [False, True])
def test_an_unconfirmed_squatter_cannot_make_the_real_hr_person_a_requested_member(
    client, staff, staff_verified_the_squatter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            EMPLOYER_SIGNUP_URL,
            employer_data(email="squatter@bigcorp.example", organization_name="BigCorp Official"),
        )
    squatted = Organization.objects.get(name="BigCorp Official")
    if staff_verified_the_squatter:
        # Even a verified organization holds the domain only once its owner confirmed.
        squatted.verify(by=staff)
    client.cookies.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            EMPLOYER_SIGNUP_URL,
            employer_data(email="hr@bigcorp.example", organization_name="BigCorp"),
        )
        confirm(client, "hr@bigcorp.example")

    hr = User.objects.get(email="hr@bigcorp.example")
    membership = Membership.objects.get(user=hr)
    assert membership.organization.name == "BigCorp"
    assert (membership.role, membership.status) == ("owner", "active")
    assert not Membership.objects.filter(organization=squatted, user=hr).exists()
    assert not Notification.objects.filter(kind="accounts.join_request").exists()
    # The squatter got their own confirmation link and nothing else.
    assert not (
        Notification.objects.filter(to_email="squatter@bigcorp.example")
        .exclude(kind__startswith="account.email_confirmation")
        .exists()
    )


# --- Join requests ---------------------------------------------------------------------------


def test_an_unconfirmed_sign_up_sends_nothing_to_the_owners(
    client, employer, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EMPLOYER_SIGNUP_URL, employer_data(email="new@northwind.test"))

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@northwind.test")
    assert membership.status == Membership.Status.UNCONFIRMED
    assert not Notification.objects.filter(recipient=employer).exists()
    assert [m.to for m in mail.outbox] == [["new@northwind.test"]]
    # Nor do the owners see it on their members page.
    client.cookies.clear()
    client.force_login(employer)
    page = client.get("/employer/accounts/membership/")
    assert "new@northwind.test" not in page.content.decode()


def test_join_requests_email_the_owners_a_few_times_an_hour_at_most(employer, organization):
    limit = Membership.JOIN_REQUEST_EMAILS_PER_HOUR
    requests = [
        Membership.request_to_join(
            user=UserFactory(email=f"new{n}@northwind.test"), organization=organization
        )
        for n in range(limit + 2)
    ]

    assert all(m.status == Membership.Status.REQUESTED for m in requests)
    assert Notification.objects.filter(kind="accounts.join_request").count() == limit
    quiet = MembershipEvent.objects.filter(membership__in=requests[limit:], to_status="requested")
    assert all("too many requests" in event.note for event in quiet)


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Urgent: verify payroll at", "http://phish.example/login"),
        ("Grace", "phish.example/login"),
        ("Grace", "www.phish"),
        ("Visit", "HTTPS now"),
        ("Grace", "grace@evil.example"),
        ("G" * 61, "Hopper"),
    ],
)
@pytest.mark.parametrize("url", [SIGNUP_URL, EMPLOYER_SIGNUP_URL])
def test_names_that_carry_links_are_refused(client, employer, url, first_name, last_name):
    data = employer_data(
        email="new@northwind.test", first_name=first_name, last_name=last_name, school=""
    )

    response = client.post(url, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "first_name" in errors or "last_name" in errors
    assert not User.objects.filter(email="new@northwind.test").exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("name", ["Zoë O'Brien-Smith", "J. R. R.", "Nguyễn Văn An"])
def test_ordinary_names_are_accepted(client, db, name):
    first, last = name.rsplit(" ", 1)
    response = client.post(EMPLOYER_SIGNUP_URL, employer_data(first_name=first, last_name=last))

    assert response.status_code == 302


def test_the_owners_email_names_the_organization_not_the_requester(employer, organization):
    requester = UserFactory(
        email="new@northwind.test", first_name="Urgent: verify", last_name="payroll"
    )

    Membership.request_to_join(user=requester, organization=organization)

    email = Notification.objects.get(kind="accounts.join_request")
    assert email.subject == "A request to join Northwind Test on MicroIntern"
    assert "“Urgent: verify payroll”" in email.body_text


# --- Organization details --------------------------------------------------------------------


def test_a_member_who_is_not_an_owner_cannot_rename_the_organization(login, organization):
    member = EmployerFactory(
        membership__organization=organization, membership__role=Membership.Role.MEMBER
    )
    client = login(member)

    page = client.get(f"{ORGS}{organization.pk}/change/")
    response = client.post(
        f"{ORGS}{organization.pk}/change/",
        {"name": "MicroIntern Career Center (Official)", "website": "https://phish.example"},
    )

    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Northwind Test"
    assert organization.is_verified


def test_an_owner_renaming_a_verified_organization_sends_it_back_to_verification(
    login, employer, organization, staff
):
    client = login(employer)
    form = client.get(f"{ORGS}{organization.pk}/change/").content.decode()
    assert "sends your organization back to the career center for verification" in form

    response = client.post(
        f"{ORGS}{organization.pk}/change/",
        {
            "name": "MicroIntern Career Center (Official)",
            "website": "https://northwind.test",
            "description": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "pending verification again" in response.content.decode()
    organization.refresh_from_db()
    assert organization.name == "MicroIntern Career Center (Official)"
    assert organization.verification == Organization.Verification.PENDING
    event = OrganizationEvent.objects.get(organization=organization)
    assert (event.actor, event.from_status, event.to_status) == (employer, "verified", "pending")
    assert "MicroIntern Career Center (Official)" in event.note
    notice = Notification.objects.get(kind="accounts.organization_changed")
    assert notice.recipient == staff
    assert "MicroIntern Career Center (Official)" not in notice.subject
    assert "MicroIntern Career Center (Official)" in notice.body_text


def test_an_owner_editing_only_the_description_stays_verified(login, employer, organization):
    login(employer).post(
        f"{ORGS}{organization.pk}/change/",
        {"name": "Northwind Test", "website": organization.website, "description": "Hello."},
    )

    organization.refresh_from_db()
    assert organization.description == "Hello."
    assert organization.is_verified
    assert not OrganizationEvent.objects.filter(organization=organization).exists()
    assert not Notification.objects.filter(kind="accounts.organization_changed").exists()


# --- Staff powers ----------------------------------------------------------------------------


def membership_form(user, organization, **overrides):
    return {
        "user": user.pk,
        "organization": organization.pk,
        "role": "owner",
        "status": "active",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        **overrides,
    }


def test_staff_cannot_add_an_active_owner_membership(login, staff, organization):
    response = login(staff).post(
        "/staff/accounts/membership/add/", membership_form(staff, organization)
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=staff).exists()
    assert not staff.is_employer


def test_staff_cannot_turn_a_membership_into_an_owner_or_into_their_own(login, staff, organization):
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER)

    response = login(staff).post(
        f"/staff/accounts/membership/{member.pk}/change/",
        membership_form(staff, organization, role="owner"),
    )

    assert response.status_code == 403
    member.refresh_from_db()
    assert (member.user_id, member.role) != (staff.pk, "owner")
    assert member.role == Membership.Role.MEMBER
    assert not staff.is_employer


def test_staff_cannot_add_or_change_members_through_the_organization_page(
    login, staff, employer, organization
):
    page = login(staff).get(f"/staff/accounts/organization/{organization.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert employer.email in html
    assert 'name="memberships-0-role"' not in html
    assert 'value="0" id="id_memberships-MAX_NUM_FORMS"' in html


def test_a_superuser_adding_a_membership_writes_an_event(login, organization):
    root = User.objects.create_superuser("root@test.example", "x-long-password-1")
    person = UserFactory()

    response = login(root).post(
        "/staff/accounts/membership/add/",
        membership_form(person, organization, role="member"),
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    event = membership.events.get()
    assert (event.actor, event.from_status, event.to_status) == (root, "", "active")


def test_every_membership_decision_writes_an_event(employer, organization):
    requester = UserFactory(email="new@northwind.test")
    membership = Membership.request_to_join(user=requester, organization=organization)
    membership.approve(by=employer)
    membership.remove(by=employer)

    assert list(membership.events.order_by("pk").values_list("from_status", "to_status")) == [
        ("", "unconfirmed"),
        ("unconfirmed", "requested"),
        ("requested", "active"),
        ("active", "removed"),
    ]
    assert list(membership.events.order_by("pk").values_list("actor", flat=True))[2:] == [
        employer.pk,
        employer.pk,
    ]


def test_staff_cannot_reach_the_set_password_page(login, staff, student):
    client = login(staff)

    page = client.get(f"/staff/accounts/user/{student.pk}/password/")
    posted = client.post(
        f"/staff/accounts/user/{student.pk}/password/",
        {"password1": "amber-quartz-meadow-77", "password2": "amber-quartz-meadow-77"},
    )
    change = client.get(f"/staff/accounts/user/{student.pk}/change/").content.decode()

    assert page.status_code == posted.status_code == 403
    student.refresh_from_db()
    assert not student.check_password("amber-quartz-meadow-77")
    assert "../password/" not in change


def test_staff_send_a_password_reset_link_instead(
    login, staff, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(staff).post(
            "/staff/accounts/user/",
            {"action": "send_password_reset_link", ACTION_CHECKBOX_NAME: [str(student.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    assert f"Password reset link sent to {student.email}" in response.content.decode()
    reset = Notification.objects.get(to_email=student.email)
    assert reset.kind == "account.password_reset_key"
    assert f"{settings.SITE_URL}/accounts/password/reset/key/" in reset.body_text
    assert [m.to for m in mail.outbox] == [[student.email]]


def test_staff_add_an_account_without_a_password_and_the_person_chooses_one(
    login, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(staff).post(
            "/staff/accounts/user/add/",
            {
                "email": "New.Person@Test.Example",
                "password1": "violet-lantern-orbit-42",
                "password2": "violet-lantern-orbit-42",
                "usable_password": "true",
            },
        )

    assert response.status_code == 302
    person = User.objects.get(email="new.person@test.example")
    assert not person.has_usable_password()
    assert Notification.objects.get(to_email=person.email).kind == "account.password_reset_key"


def test_staff_cannot_slip_an_owner_in_through_the_organization_form(login, staff, organization):
    login(staff).post(
        f"/staff/accounts/organization/{organization.pk}/change/",
        {
            "name": organization.name,
            "slug": organization.slug,
            "website": "",
            "email_domain": organization.email_domain,
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": str(staff.pk),
            "memberships-0-role": "owner",
            "memberships-0-organization": str(organization.pk),
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert not Membership.objects.filter(user=staff).exists()
    assert not staff.is_employer


def test_a_request_never_reaches_the_owners_from_an_unconfirmed_address(employer, organization):
    requester = UserFactory(email="new@northwind.test", verified_email=False)
    membership = Membership.ask_to_join(user=requester, organization=organization)

    with pytest.raises(ValidationError, match="has not confirmed their address"):
        membership.confirm()

    membership.refresh_from_db()
    assert membership.status == Membership.Status.UNCONFIRMED
    assert not Notification.objects.filter(kind="accounts.join_request").exists()


def test_staff_cannot_redirect_an_accounts_reset_link_by_changing_its_address(
    login, staff, student
):
    login(staff).post(
        f"/staff/accounts/user/{student.pk}/change/",
        {
            "email": "staff-inbox@test.example",
            "first_name": student.first_name,
            "last_name": student.last_name,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    student.refresh_from_db()
    assert student.email == "student@test.example"
