"""Brute force and abuse: sign-in, sign-up, password reset, applying and reporting are limited
per account and per network address, the counters live in Redis, and no answer tells which
email addresses have an account.
"""

import re

import pytest
import redis
from django.core import mail
from django.urls import reverse

from applications.models import Application
from listings.models import ListingReport
from tests.conftest import TEST_REDIS_URL
from tests.factories import ListingFactory, StudentFactory, pdf_upload
from tests.test_templates import Page

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
SIGNUP_URL = reverse("account_signup")
EMPLOYER_SIGNUP_URL = reverse("accounts:employer_signup")
RESET_URL = reverse("account_reset_password")
TOO_MANY_LOGINS = "Too many failed login attempts"


def address(n: int) -> dict:
    """Request extras that make the request come from another network address."""
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


def sign_in(client, email: str, password: str, n: int = 1):
    return client.post(LOGIN_URL, {"login": email, "password": password}, **address(n))


def signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def redis_keys() -> list[str]:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        return [key.decode() for key in client.keys("*")]
    finally:
        client.close()


def flush_redis() -> None:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    client.close()


def without_tokens(html: str) -> str:
    """A page with its per-request parts (CSRF token, nonces) blanked, to compare two answers."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


# --- Sign-in --------------------------------------------------------------------------------


def test_sign_in_is_limited_per_account_whatever_the_address(client, student, password):
    for n in range(5):
        response = sign_in(client, student.email, "wrong-password-123", n)
        assert TOO_MANY_LOGINS not in response.content.decode()

    # A sixth try from yet another address, even with the right password, waits.
    response = sign_in(client, student.email, password, 99)

    assert TOO_MANY_LOGINS in response.content.decode()
    assert signed_in_as(client) is None
    # Another account is not affected.
    other = StudentFactory(email="unaffected@test.example")
    sign_in(client, other.email, password, 98)
    assert signed_in_as(client) == str(other.pk)


def test_sign_in_is_limited_per_address_whatever_the_account(client, password):
    for n in range(10):
        sign_in(client, f"guess{n}@test.example", "wrong-password-123", n=7)

    victim = StudentFactory(email="victim@test.example")
    from_there = sign_in(client, victim.email, password, n=7)
    assert TOO_MANY_LOGINS in from_there.content.decode()
    assert signed_in_as(client) is None

    # The same account signs in from elsewhere: only that address waits.
    sign_in(client, victim.email, password, n=8)
    assert signed_in_as(client) == str(victim.pk)


def test_sign_in_limits_are_kept_in_redis(client, student, password):
    before = set(redis_keys())
    for n in range(5):
        sign_in(client, student.email, "wrong-password-123", n)
    assert set(redis_keys()) - before, "the failure counters are in Redis"
    assert TOO_MANY_LOGINS in sign_in(client, student.email, password, 50).content.decode()

    flush_redis()

    sign_in(client, student.email, password, 51)
    assert signed_in_as(client) == str(student.pk)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, student):
    known = sign_in(client, student.email, "wrong-password-123", 1)
    unknown = sign_in(client, "nobody-here@test.example", "wrong-password-123", 2)

    assert known.status_code == unknown.status_code == 200
    known_page = without_tokens(known.content.decode()).replace(student.email, "EMAIL")
    unknown_page = without_tokens(unknown.content.decode()).replace(
        "nobody-here@test.example", "EMAIL"
    )
    assert known_page == unknown_page
    assert "email address and/or password you specified are not correct" in known_page


def test_lockouts_do_not_tell_accounts_from_unknown_emails(client, student):
    for n in range(5):
        sign_in(client, student.email, "wrong-password-123", n)
        sign_in(client, "nobody-here@test.example", "wrong-password-123", n + 10)

    known = sign_in(client, student.email, "wrong-password-123", 30)
    unknown = sign_in(client, "nobody-here@test.example", "wrong-password-123", 31)

    assert TOO_MANY_LOGINS in known.content.decode()
    assert TOO_MANY_LOGINS in unknown.content.decode()


def test_the_admin_sites_have_no_sign_in_form_of_their_own(client, student):
    """/staff/ and /employer/ send to the one rate-limited sign-in page."""
    for site in ("/staff/login/", "/employer/login/"):
        response = client.post(site, {"username": student.email, "password": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


# --- Sign-up ----------------------------------------------------------------------------------


def test_sign_up_is_limited_per_address_for_students_and_employers_alike(client, db):
    for _ in range(10):
        assert client.post(SIGNUP_URL, {}, **address(5)).status_code == 200
        assert client.post(EMPLOYER_SIGNUP_URL, {}, **address(5)).status_code == 200

    refused = client.post(SIGNUP_URL, {}, **address(5))
    elsewhere = client.post(SIGNUP_URL, {}, **address(6))

    assert refused.status_code == 429
    page = Page(refused.content.decode())
    assert "Too many attempts" in page.find("h1").clean_text
    assert elsewhere.status_code == 200


def test_reading_the_sign_up_page_is_not_counted(client, db):
    for _ in range(25):
        assert client.get(SIGNUP_URL, **address(5)).status_code == 200


def test_sign_up_does_not_say_when_an_email_already_has_an_account(
    client, student, django_capture_on_commit_callbacks
):
    """Sign-up answers "confirm your email" whether or not the address has an account; the
    address's owner gets an "account already exists" email instead (enumeration prevented)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SIGNUP_URL,
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": student.email,
                "password1": "violet-lantern-orbit-42",
                "password2": "violet-lantern-orbit-42",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "already exists" not in response.content.decode()


# --- Password reset -------------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_emails(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(RESET_URL, {"email": student.email}, **address(1))
        unknown = client.post(RESET_URL, {"email": "nobody-here@test.example"}, **address(2))

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    # Each address gets one email; only the owner of an account gets a reset link.
    assert [m.to for m in mail.outbox] == [[student.email], ["nobody-here@test.example"]]
    assert "/password/reset/key/" in mail.outbox[0].body
    assert "/password/reset/key/" not in mail.outbox[1].body


def test_password_reset_is_limited_per_account(client, student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            response = client.post(RESET_URL, {"email": student.email}, **address(n))
            assert response.status_code == 302
        refused = client.post(RESET_URL, {"email": student.email}, **address(40))

    assert refused.status_code == 429
    assert len(mail.outbox) == 5


def test_password_reset_limit_per_account_is_the_same_for_unknown_emails(client, db):
    for n in range(5):
        client.post(RESET_URL, {"email": "nobody-here@test.example"}, **address(n))

    refused = client.post(RESET_URL, {"email": "nobody-here@test.example"}, **address(40))

    assert refused.status_code == 429


def test_password_reset_is_limited_per_address(client, db):
    for n in range(20):
        client.post(RESET_URL, {"email": f"someone{n}@test.example"}, **address(9))

    refused = client.post(RESET_URL, {"email": "one-more@test.example"}, **address(9))
    elsewhere = client.post(RESET_URL, {"email": "one-more@test.example"}, **address(10))

    assert refused.status_code == 429
    assert elsewhere.status_code == 302


# --- Applying ---------------------------------------------------------------------------------


def apply(client, listing, n: int):
    data = {"pitch": "A short plan and a link.", "availability_confirmed": "on"}
    data["resume"] = pdf_upload()
    url = reverse("applications:apply", kwargs={"slug": listing.slug})
    return client.post(url, data, **address(n))


def test_applying_is_limited_per_address(settings, client, organization):
    settings.APPLY_ADDRESS_RATE_LIMIT = "2/h"
    listing = ListingFactory(published=True, organization=organization)
    students = [StudentFactory(email=f"campus{n}@test.example") for n in range(4)]

    outcomes = []
    for student in students[:3]:
        client.force_login(student)
        outcomes.append(apply(client, listing, n=3).status_code)
    client.force_login(students[3])
    elsewhere = apply(client, listing, n=4).status_code

    assert outcomes == [302, 302, 429]
    assert elsewhere == 302
    assert Application.objects.filter(listing=listing).count() == 3


def test_applying_is_limited_per_student_from_any_address(settings, login, student, organization):
    settings.APPLY_RATE_LIMIT = "2/h"
    client = login(student)
    listings = [ListingFactory(published=True, organization=organization) for _ in range(3)]

    outcomes = [apply(client, listing, n).status_code for n, listing in enumerate(listings)]

    assert outcomes == [302, 302, 429]


# --- Reporting a listing ------------------------------------------------------------------------


def report(client, listing, n: int):
    url = reverse("listings:report", kwargs={"slug": listing.slug})
    return client.post(url, {"reason": "scam", "details": "Wants a deposit."}, **address(n))


def test_reporting_is_limited_per_person(settings, login, student):
    settings.REPORT_RATE_LIMIT = "2/h"
    client = login(student)
    listings = [ListingFactory(published=True) for _ in range(3)]

    responses = [report(client, listing, n) for n, listing in enumerate(listings)]

    assert [r.status_code for r in responses] == [302, 302, 429]
    assert "several reports in a short time" in responses[2].content.decode()
    assert ListingReport.objects.count() == 2


def test_reporting_is_limited_per_address(settings, client):
    settings.REPORT_ADDRESS_RATE_LIMIT = "2/h"
    listing = ListingFactory(published=True)
    reporters = [StudentFactory(email=f"reporter{n}@test.example") for n in range(4)]

    outcomes = []
    for reporter in reporters[:3]:
        client.force_login(reporter)
        outcomes.append(report(client, listing, n=11).status_code)
    client.force_login(reporters[3])
    elsewhere = report(client, listing, n=12).status_code

    assert outcomes == [302, 302, 429]
    assert elsewhere == 302
    assert ListingReport.objects.filter(listing=listing).count() == 3


def test_a_limited_report_keeps_what_was_typed(settings, login, student):
    settings.REPORT_RATE_LIMIT = "0/h"
    listing = ListingFactory(published=True)

    response = report(login(student), listing, 1)

    assert response.status_code == 429
    page = Page(response.content.decode())
    assert page.find("textarea", name="details").clean_text == "Wants a deposit."
    assert not ListingReport.objects.exists()


def test_application_and_report_limits_are_kept_in_redis(settings, login, student):
    settings.REPORT_RATE_LIMIT = "1/h"
    client = login(student)
    first, second = ListingFactory(published=True), ListingFactory(published=True)
    before = set(redis_keys())
    report(client, first, 1)

    assert set(redis_keys()) - before
    assert report(client, second, 1).status_code == 429
    flush_redis()
    assert report(client, second, 1).status_code == 302


# --- Behind a proxy -------------------------------------------------------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    """Every request comes from the proxy's address; the client is in X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def via_proxy(forwarded_for: str) -> dict:
    return {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded_for}


def test_behind_a_proxy_sign_in_limits_count_the_client_not_the_proxy(
    client, password, behind_one_proxy
):
    for n in range(10):
        client.post(
            LOGIN_URL,
            {"login": f"guess{n}@test.example", "password": "wrong-password-123"},
            **via_proxy("198.51.100.7"),
        )
    victim = StudentFactory(email="victim@test.example")

    # The client cannot shed its address by writing another one in front of it.
    spoofed = client.post(
        LOGIN_URL,
        {"login": victim.email, "password": password},
        **via_proxy("192.0.2.1, 198.51.100.7"),
    )
    assert TOO_MANY_LOGINS in spoofed.content.decode()
    # Everyone else behind the same proxy still signs in.
    client.post(
        LOGIN_URL, {"login": victim.email, "password": password}, **via_proxy("198.51.100.8")
    )
    assert signed_in_as(client) == str(victim.pk)


def test_behind_a_proxy_report_limits_count_the_client_not_the_proxy(
    settings, client, behind_one_proxy
):
    settings.REPORT_ADDRESS_RATE_LIMIT = "1/h"
    first, second, third = (ListingFactory(published=True) for _ in range(3))
    client.force_login(StudentFactory(email="reporter@test.example"))
    url = reverse("listings:report", kwargs={"slug": first.slug})
    assert client.post(url, {"reason": "scam"}, **via_proxy("198.51.100.7")).status_code == 302

    url = reverse("listings:report", kwargs={"slug": second.slug})
    spoofed = client.post(url, {"reason": "scam"}, **via_proxy("192.0.2.9, 198.51.100.7"))
    client.force_login(StudentFactory(email="neighbour@test.example"))
    url = reverse("listings:report", kwargs={"slug": third.slug})
    neighbour = client.post(url, {"reason": "scam"}, **via_proxy("198.51.100.8"))

    assert spoofed.status_code == 429
    assert neighbour.status_code == 302
