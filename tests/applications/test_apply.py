"""Applying to a listing: who may, what is asked, résumé checks, duplicates, rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from notifications.models import Notification
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    ListingFactory,
    MembershipFactory,
    pdf_upload,
)
from tests.test_templates import Page, assert_no_inline_style_or_script

pytestmark = pytest.mark.django_db

PITCH = "I built a similar dashboard last term and would start with a one-page plan."


def apply_url(listing) -> str:
    return reverse("applications:apply", kwargs={"slug": listing.slug})


@pytest.fixture
def listing(organization, employer):
    return ListingFactory(published=True, organization=organization, title="Survey dashboard")


def form_data(**overrides) -> dict:
    data = {"pitch": PITCH, "availability_confirmed": "on", "resume": pdf_upload()}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def give_profile_resume(student, *, content=MINIMAL_PDF):
    profile = student.student_profile
    profile.resume.save("profile.pdf", ContentFile(content), save=False)
    profile.resume_uploaded_at = timezone.now()
    profile.save()
    return profile


def field_error(page: Page, name: str) -> str:
    return page.by_id(f"id_{name}_error").clean_text


# --- The form -------------------------------------------------------------------------------


def test_listing_page_links_to_apply(client, listing):
    content = client.get(listing.get_absolute_url()).content.decode()

    assert f'href="{apply_url(listing)}"' in content


def test_form_asks_only_what_the_profile_does_not_hold(login, student, listing):
    response = login(student).get(apply_url(listing))
    page = Page(response.content.decode())

    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"pitch", "availability_confirmed", "resume"}
    due = f"{listing.due_date:%d}".lstrip("0")
    label = page.find("label", for_="id_availability_confirmed").clean_text
    assert label.startswith("I can finish the work by") and due in label
    assert page.find("textarea", name="pitch").get("aria-describedby") == "id_pitch_helptext"
    assert "deliverables" in page.by_id("id_pitch_helptext").clean_text
    resume = page.find("input", name="resume")
    assert "required" in resume.attrs
    assert page.find_all("form", enctype="multipart/form-data")
    assert_no_inline_style_or_script(response.content.decode())


def test_form_offers_the_profile_resume(login, student, listing):
    profile = give_profile_resume(student)
    response = login(student).get(apply_url(listing))
    page = Page(response.content.decode())

    uploaded = f"{profile.resume_uploaded_at:%B %Y}"
    help_text = page.by_id("id_resume_helptext").clean_text
    assert "We'll send the résumé from your profile (uploaded" in help_text
    assert uploaded in help_text
    assert "required" not in page.find("input", name="resume").attrs


# --- Applying ----------------------------------------------------------------------------------


def test_student_applies(login, student, listing, employer):
    response = login(student).post(apply_url(listing), form_data())

    application = Application.objects.get(listing=listing, student=student)
    assert response.status_code == 302
    assert response.url == application.get_absolute_url()
    assert application.status == Application.Status.SUBMITTED
    assert application.pitch == PITCH
    assert application.availability_confirmed
    with application.resume.open("rb") as stored:
        assert stored.read() == MINIMAL_PDF
    assert application.events.get().to_status == Application.Status.SUBMITTED
    kinds = set(Notification.objects.values_list("kind", "recipient"))
    assert ("applications.submitted", student.pk) in kinds
    assert ("applications.received", employer.pk) in kinds

    page = login(student).get(response.url)
    assert "Your application to “Survey dashboard” is sent." in page.content.decode()


def test_every_active_member_of_the_organization_is_told(login, student, listing, organization):
    colleague = MembershipFactory(organization=organization, role="member").user

    login(student).post(apply_url(listing), form_data())

    received = Notification.objects.filter(kind="applications.received")
    assert colleague.pk in set(received.values_list("recipient", flat=True))


def test_profile_resume_is_used_when_nothing_is_uploaded(login, student, listing):
    profile_pdf = MINIMAL_PDF.replace(b"%%EOF", b"% profile copy\n%%EOF")
    give_profile_resume(student, content=profile_pdf)

    response = login(student).post(apply_url(listing), form_data(resume=None))

    application = Application.objects.get(listing=listing, student=student)
    assert response.status_code == 302
    with application.resume.open("rb") as stored:
        assert stored.read() == profile_pdf
    assert application.resume.name != student.student_profile.resume.name


def test_an_upload_replaces_the_profile_resume_for_this_application(login, student, listing):
    give_profile_resume(student, content=MINIMAL_PDF.replace(b"%%EOF", b"% old\n%%EOF"))

    login(student).post(apply_url(listing), form_data())

    with Application.objects.get().resume.open("rb") as stored:
        assert stored.read() == MINIMAL_PDF


def test_missing_resume_without_profile_resume_is_asked_for(login, student, listing):
    response = login(student).post(apply_url(listing), form_data(resume=None))

    page = Page(response.content.decode())
    assert response.status_code == 200
    assert "Choose your résumé as a PDF" in field_error(page, "resume")
    assert page.find("textarea", name="pitch").clean_text == PITCH
    assert not Application.objects.exists()


def test_missing_availability_is_shown_at_the_field_and_keeps_the_pitch(login, student, listing):
    response = login(student).post(apply_url(listing), form_data(availability_confirmed=None))

    page = Page(response.content.decode())
    assert response.status_code == 200
    assert "Confirm that you can finish the work" in field_error(page, "availability_confirmed")
    assert page.find("input", name="availability_confirmed").get("aria-invalid") == "true"
    assert page.find_all(class_="error-summary")
    assert page.find("textarea", name="pitch").clean_text == PITCH
    assert not Application.objects.exists()


def test_missing_pitch_is_shown_at_the_field(login, student, listing):
    response = login(student).post(apply_url(listing), form_data(pitch="  "))

    assert "Write a short pitch" in field_error(Page(response.content.decode()), "pitch")
    assert not Application.objects.exists()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.pdf", PNG, "not a PDF"),
        ("page.pdf", HTML, "not a PDF"),
        ("huge.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "at most 5 MB"),
        ("empty.pdf", b"", "empty"),
    ],
    ids=["renamed-png", "html-named-pdf", "6-mb", "empty"],
)
def test_rejected_resume_says_why_and_keeps_the_pitch(
    login, student, listing, name, content, message
):
    upload = pdf_upload(name=name, content=content)

    response = login(student).post(apply_url(listing), form_data(resume=upload))

    page = Page(response.content.decode())
    assert response.status_code == 200
    assert message in field_error(page, "resume")
    assert page.find("input", name="resume").get("aria-invalid") == "true"
    assert page.find("textarea", name="pitch").clean_text == PITCH
    assert not Application.objects.exists()
    assert not Notification.objects.exists()


def test_rejected_upload_is_refused_even_with_a_profile_resume(login, student, listing):
    give_profile_resume(student)

    response = login(student).post(
        apply_url(listing), form_data(resume=pdf_upload(name="x.pdf", content=PNG))
    )

    assert "not a PDF" in field_error(Page(response.content.decode()), "resume")
    assert not Application.objects.exists()


# --- Who may apply, and to what ---------------------------------------------------------------


def test_visitor_is_sent_to_login_and_back(client, listing):
    for response in (client.get(apply_url(listing)), client.post(apply_url(listing), form_data())):
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={apply_url(listing)}"
    assert not Application.objects.exists()


@pytest.mark.parametrize("role", ["employer", "other_employer", "staff"])
def test_non_students_are_told_applying_is_for_students(request, login, listing, role):
    client = login(request.getfixturevalue(role))

    for response in (client.get(apply_url(listing)), client.post(apply_url(listing), form_data())):
        assert response.status_code == 403
        page = Page(response.content.decode())
        assert page.find("h1").clean_text == "Applying is for student accounts"
    assert not Application.objects.exists()


def test_student_of_the_organization_cannot_apply_to_its_own_project(
    login, student, listing, organization
):
    MembershipFactory(user=student, organization=organization, role="member")

    response = login(student).post(apply_url(listing), form_data())

    assert "your own organization" in response.content.decode()
    assert not Application.objects.exists()


def test_closed_listing_is_refused_even_when_posted(login, student, organization):
    listing = ListingFactory(closed=True, organization=organization)
    client = login(student)

    response = client.post(apply_url(listing), form_data(), follow=True)

    assert response.redirect_chain[0] == (listing.get_absolute_url(), 302)
    assert "no longer accepts applications" in response.content.decode()
    assert not Application.objects.exists()
    assert client.get(apply_url(listing)).status_code == 302


def test_past_deadline_is_refused_on_the_server(login, student, listing):
    client = login(student)
    form_page = client.get(apply_url(listing))
    assert form_page.status_code == 200

    with time_machine.travel(listing.application_deadline + timedelta(days=1), tick=False):
        client.force_login(student)  # the first session has expired by then
        response = client.post(apply_url(listing), form_data(), follow=True)

    assert response.redirect_chain[0] == (listing.get_absolute_url(), 302)

    assert "no longer accepts applications" in response.content.decode()
    assert not Application.objects.exists()


def test_last_day_is_still_open(login, student, listing):
    with time_machine.travel(listing.application_deadline, tick=False):
        response = login(student).post(apply_url(listing), form_data())
        assert response.status_code == 302

    assert Application.objects.filter(listing=listing, student=student).exists()


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_unpublished_listing_is_not_found(login, student, organization, status):
    listing = ListingFactory(status=status, organization=organization)

    assert login(student).get(apply_url(listing)).status_code == 404


def test_second_apply_shows_the_existing_application(login, student, listing):
    existing = ApplicationFactory(listing=listing, student=student)
    client = login(student)

    shown = client.get(apply_url(listing), follow=True)
    posted = client.post(apply_url(listing), form_data())

    assert shown.redirect_chain == [(existing.get_absolute_url(), 302)]
    assert "You already applied" in shown.content.decode()
    assert posted.status_code == 302 and posted.url == existing.get_absolute_url()
    assert Application.objects.filter(listing=listing, student=student).count() == 1


# --- Rate limit -------------------------------------------------------------------------------


def test_applying_is_rate_limited_with_a_clear_message(settings, login, student, organization):
    settings.APPLY_RATE_LIMIT = "2/m"
    listings = [ListingFactory(published=True, organization=organization) for _ in range(3)]
    client = login(student)

    for listing in listings[:2]:
        assert client.post(apply_url(listing), form_data()).status_code == 302
    response = client.post(apply_url(listings[2]), form_data())

    page = Page(response.content.decode())
    assert response.status_code == 429
    assert (
        "several applications in a short time"
        in page.find(class_="callout callout-error").clean_text
    )
    assert page.find("main").get("id") == "main"
    assert page.find("textarea", name="pitch").clean_text == PITCH
    assert not Application.objects.filter(listing=listings[2]).exists()
    assert Application.objects.count() == 2
