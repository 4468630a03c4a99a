"""Signing in and out, for every role."""

import re

import pytest
from django.conf import settings
from django.core import mail

from tests.factories import EmployerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def sign_in(client, user, password):
    return client.post(LOGIN_URL, {"login": user.email, "password": password})


def session_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_page_answers(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()


def test_student_lands_on_home(client, student, password):
    response = sign_in(client, student, password)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(client) == str(student.pk)


def test_employer_lands_on_the_employer_site(client, employer, password):
    response = sign_in(client, employer, password)

    assert response.status_code == 302
    assert response["Location"] == "/employer/"
    assert session_user_id(client) == str(employer.pk)
    assert client.get("/employer/").status_code == 200


def test_employer_of_a_pending_organization_lands_on_the_employer_site(client, password):
    user = EmployerFactory(membership__organization=OrganizationFactory())

    response = sign_in(client, user, password)

    assert response["Location"] == "/employer/"


def test_staff_lands_on_the_staff_site(client, staff, password):
    response = sign_in(client, staff, password)

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert session_user_id(client) == str(staff.pk)
    assert client.get("/staff/").status_code == 200


def test_suspended_employer_lands_on_home(client, suspended_employer, password):
    response = sign_in(client, suspended_employer, password)

    assert response["Location"] == "/"


def test_employer_who_only_asked_to_join_lands_on_home(client, organization, password):
    requested = MembershipFactory(organization=organization, status="requested", role="member")

    response = sign_in(client, requested.user, password)

    assert response["Location"] == "/"


def test_login_is_case_insensitive_on_email(client, student, password):
    response = client.post(LOGIN_URL, {"login": "STUDENT@Test.Example", "password": password})

    assert response.status_code == 302
    assert session_user_id(client) == str(student.pk)


def test_next_parameter_is_followed_for_local_paths(client, student, password):
    response = client.post(
        LOGIN_URL,
        {"login": student.email, "password": password, "next": "/accounts/profile/"},
    )

    assert response["Location"] == "/accounts/profile/"


def test_next_parameter_to_another_host_is_ignored(client, student, password):
    response = client.post(
        LOGIN_URL,
        {"login": student.email, "password": password, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"login": "student@test.example", "password": "wrong-password-123"},
        {"login": "nobody@test.example", "password": "wrong-password-123"},
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_give_a_generic_error_and_no_session(client, student, credentials):
    response = client.post(LOGIN_URL, credentials)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors
    text = " ".join(errors).lower()
    assert "not correct" in text or "incorrect" in text
    # The message does not say which of the two was wrong.
    assert "does not exist" not in text and "no account" not in text
    assert session_user_id(client) is None


def test_inactive_user_cannot_sign_in(client, student, password):
    student.is_active = False
    student.save()

    sign_in(client, student, password)

    assert session_user_id(client) is None


def test_repeated_failures_are_rate_limited(client, student, password):
    for _ in range(5):
        client.post(LOGIN_URL, {"login": student.email, "password": "wrong-password-123"})

    response = sign_in(client, student, password)

    # After too many failures for this account even the right password waits.
    assert session_user_id(client) is None
    assert response.status_code in (200, 429)


def test_logout_by_post_ends_the_session(client, student, password):
    sign_in(client, student, password)
    assert session_user_id(client) == str(student.pk)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert session_user_id(client) is None
    assert client.get("/accounts/profile/").status_code == 302


def test_logout_by_get_does_not_end_the_session(client, student, password):
    sign_in(client, student, password)

    client.get("/accounts/logout/")

    assert session_user_id(client) == str(student.pk)


# --- Password reset ----------------------------------------------------------------------


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_password_reset_link_comes_from_site_url_and_sets_a_new_password(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/reset/", {"email": student.email}, HTTP_HOST="localhost"
        )
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.email]
    links = links_in(mail.outbox[0].body)
    reset = next(link for link in links if "/accounts/password/reset/key/" in link)
    assert all(link.startswith(settings.SITE_URL + "/") for link in links), links

    # The key link redirects once to a keyless URL, then takes the new password.
    page = client.get(reset.removeprefix(settings.SITE_URL), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else reset
    new_password = "amber-quartz-meadow-77"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302

    student.refresh_from_db()
    assert student.check_password(new_password)
    client.logout()
    assert sign_in(client, student, new_password).status_code == 302
    assert session_user_id(client) == str(student.pk)


def test_password_reset_for_an_unknown_email_links_only_to_site_url(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/reset/", {"email": "nobody@test.example"}, HTTP_HOST="localhost"
        )

    # The answer is the same as for a known address: no enumeration.
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    links = links_in(mail.outbox[0].body)
    assert links
    assert all(link.startswith(settings.SITE_URL + "/") for link in links), links
    assert "localhost" not in mail.outbox[0].body
