"""Signing up as a student or an employer, with email verification."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail

from accounts.models import Membership, Organization, StudentProfile, User
from notifications.models import Notification
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
EMPLOYER_SIGNUP_URL = "/accounts/signup/employer/"
STRONG_PASSWORD = "violet-lantern-orbit-42"


def student_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@uni.example",
        "school": "State University",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def employer_data(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@initech.test",
        "organization_name": "Initech",
        "website": "initech.test",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


def confirmation_link(body: str) -> str:
    match = re.search(r"https?://\S+/accounts/confirm-email/[^\s/]+/", body)
    assert match, body
    return match.group(0)


def field_errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_student_signup_verifies_email_through_a_site_url_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, student_data(), HTTP_HOST="localhost")

    assert response.status_code == 302
    user = User.objects.get(email="ada@uni.example")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert StudentProfile.objects.get(user=user).school == "State University"
    assert user.check_password(STRONG_PASSWORD)
    # Signed up but not yet verified: no session.
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(user=user).verified

    queued = Notification.objects.get(to_email="ada@uni.example")
    link = confirmation_link(queued.body_text)
    # The link comes from SITE_URL, never from the Host header of the request.
    assert link.startswith(settings.SITE_URL + "/accounts/confirm-email/")
    assert "localhost" not in link

    path = link.removeprefix(settings.SITE_URL)
    # GET only shows the confirmation page; it confirms nothing by itself.
    page = client.get(path)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified

    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)

    # The outbox row was delivered after commit: exactly one email, with that link.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@uni.example"]
    assert confirmation_link(mail.outbox[0].body) == link
    assert "MicroIntern" in mail.outbox[0].body
    assert "localhost" not in mail.outbox[0].body


def test_login_before_verification_gives_no_session(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, student_data())
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": "ada@uni.example", "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/profile/").status_code == 302


def test_employer_signup_registers_a_pending_organization(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EMPLOYER_SIGNUP_URL, employer_data())

    assert response.status_code == 302
    user = User.objects.get(email="grace@initech.test")
    organization = Organization.objects.get(name="Initech")
    assert organization.verification == Organization.Verification.PENDING
    assert organization.email_domain == "initech.test"
    assert organization.website == "https://initech.test"
    membership = Membership.objects.get(user=user)
    assert membership.organization == organization
    assert membership.role == Membership.Role.OWNER
    assert membership.status == Membership.Status.ACTIVE
    assert not hasattr(user, "student_profile") or not StudentProfile.objects.filter(user=user)
    assert not User.objects.get(pk=user.pk).is_student
    # Still has to verify the email before signing in.
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mail.outbox] == [["grace@initech.test"]]


def confirm(client, address: str):
    """Open the confirmation link emailed to `address` and confirm it."""
    queued = Notification.objects.filter(
        to_email=address, kind__startswith="account.email_confirmation"
    )
    link = confirmation_link(queued.latest("pk").body_text)
    return client.post(link.removeprefix(settings.SITE_URL), follow=True)


def test_employer_signup_at_a_claimed_domain_asks_to_join_once_confirmed(
    client, employer, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            EMPLOYER_SIGNUP_URL,
            employer_data(email="newhire@northwind.test", organization_name="Northwind Copy"),
        )

    assert response.status_code == 302
    user = User.objects.get(email="newhire@northwind.test")
    membership = Membership.objects.get(user=user)
    assert membership.organization == organization
    assert membership.status == Membership.Status.UNCONFIRMED
    assert membership.role == Membership.Role.MEMBER
    assert not Organization.objects.filter(name="Northwind Copy").exists()
    # Nothing reaches the owners before the address is confirmed.
    assert not Notification.objects.filter(kind="accounts.join_request").exists()
    assert employer.email not in {address for m in mail.outbox for address in m.to}

    with django_capture_on_commit_callbacks(execute=True):
        page = confirm(client, "newhire@northwind.test")

    membership.refresh_from_db()
    assert membership.status == Membership.Status.REQUESTED
    assert not User.objects.get(pk=user.pk).is_employer
    assert "asked the owners of Northwind Test to let you in" in page.content.decode()
    join = Notification.objects.get(kind="accounts.join_request")
    assert join.recipient == employer
    assert join.to_email == employer.email
    assert "newhire@northwind.test" in join.body_text
    assert employer.email in {address for m in mail.outbox for address in m.to}
    assert list(membership.events.values_list("from_status", "to_status")) == [
        ("unconfirmed", "requested"),
        ("", "unconfirmed"),
    ]


def test_free_webmail_domain_never_joins_by_domain(client, db):
    # Even if an organization somehow carries a free webmail domain, nobody joins by it.
    webmail_org = OrganizationFactory(name="Webmail Co")
    Organization.objects.filter(pk=webmail_org.pk).update(email_domain="gmail.com")

    response = client.post(
        EMPLOYER_SIGNUP_URL, employer_data(email="founder@gmail.com", organization_name="Solo Co")
    )

    assert response.status_code == 302
    user = User.objects.get(email="founder@gmail.com")
    membership = Membership.objects.get(user=user)
    assert membership.organization.name == "Solo Co"
    assert membership.status == Membership.Status.ACTIVE
    assert membership.organization.email_domain == ""
    assert not Notification.objects.filter(kind="accounts.join_request").exists()


@pytest.mark.parametrize("url", [SIGNUP_URL, EMPLOYER_SIGNUP_URL])
def test_signup_with_an_existing_address_looks_like_any_other(
    client, db, url, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@initech.test")
    data = student_data if url == SIGNUP_URL else employer_data

    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(url, data(email="TAKEN@initech.test"), follow=True)
    client.cookies.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(url, data(email="new@initech.test"), follow=True)

    assert taken.redirect_chain == new.redirect_chain == [("/accounts/confirm-email/", 302)]
    assert taken.status_code == new.status_code == 200

    def said(response):
        return [str(m).replace("new@", "taken@") for m in response.context["messages"]]

    assert "already exists" not in taken.content.decode()
    assert said(taken) == said(new) == ["Confirmation email sent to taken@initech.test."]
    # The owner of the address learns about it by email instead; no second account.
    assert User.objects.filter(email="taken@initech.test").count() == 1
    assert not StudentProfile.objects.filter(user__email="taken@initech.test").exists()
    assert not Membership.objects.filter(user__email="taken@initech.test").exists()
    told = Notification.objects.get(to_email="taken@initech.test")
    assert told.kind == "account.account_already_exists"
    assert [m.to for m in mail.outbox] == [["taken@initech.test"], ["new@initech.test"]]


@pytest.mark.parametrize(
    "weak",
    ["password", "12345678901234", "short1"],
    ids=["common", "numeric", "short"],
)
def test_weak_password_is_refused_at_the_password_field(client, db, weak):
    response = client.post(SIGNUP_URL, student_data(password1=weak, password2=weak))

    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert not User.objects.exists()
    assert not Notification.objects.exists()


def test_password_like_the_name_or_email_is_refused(client, db):
    response = client.post(
        SIGNUP_URL, student_data(password1="ada@uni.example", password2="ada@uni.example")
    )

    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert not User.objects.exists()


def test_mismatched_passwords_are_refused(client, db):
    response = client.post(SIGNUP_URL, student_data(password2=STRONG_PASSWORD + "x"))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("url", [SIGNUP_URL, EMPLOYER_SIGNUP_URL])
def test_malformed_email_is_refused_at_the_email_field(client, db, url):
    data = student_data(email="not-an-email") if url == SIGNUP_URL else employer_data(email="x@")
    response = client.post(url, data)

    assert response.status_code == 200
    assert field_errors(response, "email")
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_names_are_required(client, db):
    response = client.post(SIGNUP_URL, student_data(first_name="", last_name=""))

    assert response.status_code == 200
    assert field_errors(response, "first_name")
    assert field_errors(response, "last_name")
    assert not User.objects.exists()


def test_signup_form_links_to_employer_signup(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    assert EMPLOYER_SIGNUP_URL in response.content.decode()
