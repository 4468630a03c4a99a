"""Résumé downloads: who may read which file, and how it is served."""

import pytest
from django.urls import reverse

from accounts.models import StudentProfile
from applications.documents import RESUME_CSP
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    ListingFactory,
    StaffFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

APPLICATION_PDF = MINIMAL_PDF.replace(b"612 792", b"595 842")  # the copy sent with the application
ROLES = ["student", "other_student", "employer", "other_employer", "staff"]


@pytest.fixture
def applied(student, organization):
    """The student, with a profile résumé, applied to the employer's organization."""
    student.first_name, student.last_name = "Ada", "Lovelace"
    student.save()
    profile = student.student_profile
    profile.resume = pdf_upload()
    profile.save()
    listing = ListingFactory(published=True, organization=organization)
    return ApplicationFactory(
        listing=listing, student=student, resume=pdf_upload(content=APPLICATION_PDF)
    )


def profile_resume_url(application):
    return reverse(
        "documents:profile_resume", kwargs={"pk": application.student.student_profile.pk}
    )


def application_resume_url(application):
    return reverse("documents:application_resume", kwargs={"pk": application.pk})


def download(response) -> bytes:
    """The file's bytes; reading to the end also closes the response and its file."""
    return b"".join(response.streaming_content)


def test_urls_live_under_files():
    assert reverse("documents:profile_resume", kwargs={"pk": 7}) == "/files/students/7/resume/"
    assert reverse("documents:application_resume", kwargs={"pk": 7}) == (
        "/files/applications/7/resume/"
    )


# --- The access matrix ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("student", 200),
        ("other_student", 404),
        ("employer", 200),
        ("other_employer", 404),
        ("staff", 200),
    ],
)
def test_profile_resume_access(request, login, applied, role, expected):
    client = login(request.getfixturevalue(role))

    response = client.get(profile_resume_url(applied))

    assert response.status_code == expected
    if expected == 200:
        assert download(response) == MINIMAL_PDF


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("student", 200),
        ("other_student", 404),
        ("employer", 200),
        ("other_employer", 404),
        ("staff", 200),
    ],
)
def test_application_resume_access(request, login, applied, role, expected):
    client = login(request.getfixturevalue(role))

    response = client.get(application_resume_url(applied))

    assert response.status_code == expected
    if expected == 200:
        assert download(response) == APPLICATION_PDF


@pytest.mark.parametrize("url", [profile_resume_url, application_resume_url])
def test_visitors_are_sent_to_sign_in(client, applied, url):
    path = url(applied)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("url", [profile_resume_url, application_resume_url])
def test_staff_without_the_career_center_group_get_404(login, applied, url):
    plain_staff = StaffFactory(email="plain@test.example")
    plain_staff.groups.clear()

    assert login(plain_staff).get(url(applied)).status_code == 404


@pytest.mark.parametrize("url", [profile_resume_url, application_resume_url])
def test_members_of_a_suspended_organization_get_404(
    login, applied, employer, organization, staff, url
):
    organization.suspend(by=staff)

    assert login(employer).get(url(applied)).status_code == 404


@pytest.mark.parametrize("url", [profile_resume_url, application_resume_url])
def test_inactive_accounts_get_no_file(login, applied, employer, url):
    employer.is_active = False
    employer.save()

    response = login(employer).get(url(applied))

    assert response.status_code in {302, 404}
    assert not hasattr(response, "streaming_content")


def test_an_employer_reads_only_applications_to_their_own_organization(
    login, applied, employer, other_organization
):
    elsewhere = ApplicationFactory(
        student=applied.student,
        listing=ListingFactory(published=True, organization=other_organization),
    )

    client = login(employer)

    assert client.get(application_resume_url(elsewhere)).status_code == 404
    download(client.get(application_resume_url(applied)))  # their own: 200, closed


def test_an_application_from_another_student_does_not_open_this_profile(
    login, applied, other_student, other_employer, other_organization
):
    ApplicationFactory(
        student=other_student,
        listing=ListingFactory(published=True, organization=other_organization),
    )

    assert login(other_employer).get(profile_resume_url(applied)).status_code == 404


@pytest.mark.parametrize("role", ["student", "staff"])
def test_a_profile_without_a_resume_is_404(request, login, applied, role):
    StudentProfile.objects.filter(pk=applied.student.student_profile.pk).update(resume="")

    assert login(request.getfixturevalue(role)).get(profile_resume_url(applied)).status_code == 404


def test_a_missing_file_is_404_not_an_error(login, applied, staff):
    applied.resume.storage.delete(applied.resume.name)

    assert login(staff).get(application_resume_url(applied)).status_code == 404


def test_unknown_ids_are_404(login, staff):
    client = login(staff)

    assert client.get("/files/students/999999/resume/").status_code == 404
    assert client.get("/files/applications/999999/resume/").status_code == 404


def test_a_new_profile_resume_does_not_change_what_the_application_sent(login, applied, employer):
    profile = applied.student.student_profile
    profile.resume = pdf_upload(content=MINIMAL_PDF.replace(b"612 792", b"600 800"))
    profile.save()

    client = login(employer)

    assert download(client.get(application_resume_url(applied))) == APPLICATION_PDF
    assert download(client.get(profile_resume_url(applied))) != APPLICATION_PDF


# --- How the file is served --------------------------------------------------------------------


@pytest.mark.parametrize("url", [profile_resume_url, application_resume_url])
def test_a_resume_is_served_as_an_inert_private_attachment(login, applied, employer, url):
    response = login(employer).get(url(applied))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="resume-ada-lovelace.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == RESUME_CSP
    assert "sandbox" in response["Content-Security-Policy"].split("; ")
    cache_control = response["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control
    download(response)


def test_the_file_name_never_comes_from_the_upload(login, applied, student):
    student.first_name, student.last_name = "", ""
    student.save()

    response = login(student).get(profile_resume_url(applied))

    assert response["Content-Disposition"] == 'attachment; filename="resume.pdf"'
    download(response)


def test_private_files_have_no_media_url(applied):
    with pytest.raises(ValueError, match="no URL"):
        applied.resume.url  # noqa: B018
