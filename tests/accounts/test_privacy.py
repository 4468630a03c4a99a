"""A student downloads all their data as JSON and deletes their account (/accounts/data/, /accounts/delete/)."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import escape

from accounts.models import StudentProfile, User
from applications.models import Application, ApplicationEvent, Feedback
from applications.privacy import REMOVED, delete_student_account
from listings.models import ListingReport, SavedListing
from notifications.models import Notification
from searches.models import SavedSearch
from tests.factories import (
    ApplicationFactory,
    ListingFactory,
    SkillFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

DATA_URL = reverse("privacy_data")
DELETE_URL = reverse("privacy_delete")
PITCH = "I built a data pipeline for my student union and would start with a plan."
WORK_NOTE = "The report is in the shared folder; my phone is 555-0100 if needed."


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def history(
    student, other_student, employer, organization, staff, django_capture_on_commit_callbacks
):
    """A student with a full history: profile, résumé, saves, a completed engagement with feedback."""
    profile = student.student_profile
    profile.bio = "Statistics student who likes tidy spreadsheets."
    profile.github_url = "https://github.com/ada-example"
    profile.handle = "ada-example"
    profile.portfolio_public = True
    profile.resume.save("resume.pdf", pdf_upload().file, save=False)
    profile.save()
    profile.skills.set([SkillFactory(name="Data analysis"), SkillFactory(name="Excel")])

    listing = ListingFactory(published=True, organization=organization, title="Clean our data")
    other_listing = ListingFactory(published=True, organization=organization, title="Survey")
    SavedListing.save_for(user=student, listing=other_listing)
    SavedSearch.save_for(user=student, params=QueryDict("q=data"), frequency="weekly")
    ListingReport.file(
        listing=other_listing, reporter=student, reason="other", details="The fee looks wrong."
    )

    with django_capture_on_commit_callbacks(execute=True):
        application = Application.submit(
            listing=listing, student=student, pitch=PITCH, availability_confirmed=True
        )
        application.offer(by=employer, message="We would love to work with you.")
        application.accept(by=student)
        application.submit_work(by=student, links=["https://example.org/report"], note=WORK_NOTE)
        application.complete(by=employer)
        Feedback.give(application=application, author=employer, rating=5, comment="Excellent.")
        Feedback.give(application=application, author=student, rating=4, comment="Kind team.")
        withdrawn = Application.submit(
            listing=other_listing,
            student=student,
            pitch="Second pitch.",
            availability_confirmed=True,
            resume=pdf_upload(),
        )
        withdrawn.withdraw(by=student)
        # Someone else applies to the same listing: never part of this student's data.
        theirs = ApplicationFactory(
            listing=listing, student=other_student, pitch="The other student's pitch."
        )
    application.refresh_from_db()
    return {
        "profile": profile,
        "application": application,
        "withdrawn": withdrawn,
        "theirs": theirs,
        "listing": listing,
    }


def download(client) -> dict:
    response = client.get(DATA_URL)
    assert response.status_code == 200
    return json.loads(response.content)


# --- Download ---------------------------------------------------------------------------------


def test_the_profile_page_offers_download_and_deletion(login, student):
    page = login(student).get(reverse("accounts:profile")).content.decode()

    assert "Your data" in page
    assert f'href="{DATA_URL}"' in page
    assert f'href="{DELETE_URL}"' in page


@pytest.mark.parametrize("url", [DATA_URL, DELETE_URL])
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("role", ["employer", "staff"])
def test_only_students_have_these_pages(request, login, role, password):
    user = request.getfixturevalue(role)
    client = login(user)

    assert client.get(DATA_URL).status_code == 404
    assert client.get(DELETE_URL).status_code == 404
    assert client.post(DELETE_URL, {"password": password}).status_code == 404
    assert User.objects.filter(pk=user.pk).exists()


def test_the_download_is_get_only(login, student):
    assert login(student).post(DATA_URL).status_code == 405


def test_download_is_a_private_json_attachment(login, history, student):
    response = login(student).get(DATA_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="microintern-data-')
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_download_holds_everything_about_the_student(login, history, student):
    data = download(login(student))

    assert data["account"]["email"] == student.email
    assert data["account"]["first_name"] == student.first_name
    assert data["account"]["email_addresses"] == [
        {"email": student.email, "verified": True, "primary": True}
    ]
    profile = data["profile"]
    assert profile["bio"] == "Statistics student who likes tidy spreadsheets."
    assert profile["github_url"] == "https://github.com/ada-example"
    assert profile["portfolio_address"] == "ada-example"
    assert profile["skills"] == ["Data analysis", "Excel"]
    assert profile["resume"]["download"] == reverse(
        "documents:profile_resume", kwargs={"pk": history["profile"].pk}
    )
    assert [item["title"] for item in data["saved_listings"]] == ["Survey"]
    assert [(s["query"], s["frequency"]) for s in data["saved_searches"]] == [("q=data", "weekly")]
    assert [(r["listing"], r["details"]) for r in data["listing_reports"]] == [
        ("Survey", "The fee looks wrong.")
    ]

    completed, withdrawn = data["applications"]
    assert completed["listing"]["title"] == "Clean our data"
    assert completed["listing"]["organization"] == "Northwind Test"
    assert completed["status"] == "completed"
    assert completed["pitch"] == PITCH
    assert completed["work_note"] == WORK_NOTE
    assert completed["work_links"] == ["https://example.org/report"]
    assert [step["to"] for step in completed["history"]] == [
        "submitted",
        "offered",
        "accepted",
        "work_submitted",
        "completed",
    ]
    assert {step["by"] for step in completed["history"]} == {"You", "Northwind Test"}
    assert sorted((f["from"], f["rating"], f["comment"]) for f in completed["feedback"]) == [
        ("Northwind Test", 5, "Excellent."),
        ("You", 4, "Kind team."),
    ]
    assert withdrawn["status"] == "withdrawn"
    assert data["notifications"], "the student's notifications are part of their data"
    assert all(n["subject"] for n in data["notifications"])


def test_download_holds_no_one_elses_personal_data(login, history, student, employer, staff):
    other = history["theirs"].student
    raw = login(student).get(DATA_URL).content.decode()

    for person in (other, employer, staff):
        assert person.email not in raw
        assert person.last_name not in raw
    assert "The other student's pitch." not in raw
    assert "Northwind Test" in raw  # organizations are named


def test_download_of_a_new_student_is_nearly_empty(login, other_student):
    data = download(login(other_student))

    assert data["applications"] == []
    assert data["saved_listings"] == []
    assert data["profile"]["resume"] is None


# --- Deletion -----------------------------------------------------------------------------


def test_delete_page_asks_for_the_password_and_says_what_is_kept(login, history, student):
    response = login(student).get(DELETE_URL)
    page = response.content.decode()

    assert response.status_code == 200
    assert 'type="password"' in page
    assert 'autocomplete="current-password"' in page
    assert "anonymous record of your 2 applications" in page
    assert User.objects.filter(pk=student.pk).exists()


def test_a_wrong_password_deletes_nothing_and_says_so_at_the_field(login, history, student):
    response = login(student).post(DELETE_URL, {"password": "not-my-password"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "That is not your password" in page
    assert 'aria-invalid="true"' in page
    assert User.objects.filter(pk=student.pk).exists()
    assert Application.objects.filter(student=student).count() == 2


def test_an_empty_password_is_asked_for(login, student):
    response = login(student).post(DELETE_URL, {"password": ""})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert User.objects.filter(pk=student.pk).exists()


def test_attempts_are_rate_limited_per_account(login, student, password):
    client = login(student)
    for _ in range(5):
        assert client.post(DELETE_URL, {"password": "guess"}).status_code == 200

    response = client.post(DELETE_URL, {"password": password})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert User.objects.filter(pk=student.pk).exists()


def test_deleting_removes_the_account_and_signs_out(
    client, login, history, student, password, django_capture_on_commit_callbacks
):
    login(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE_URL, {"password": password}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert not response.wsgi_request.user.is_authenticated
    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(email=student.email).exists()
    assert not StudentProfile.objects.filter(pk=history["profile"].pk).exists()
    assert not SavedListing.objects.filter(listing__title="Survey").exists()
    assert not SavedSearch.objects.filter(query="q=data").exists()
    assert not Notification.objects.filter(to_email=student.email, recipient__isnull=False).exists()
    # The password no longer signs anyone in.
    client.post(reverse("account_login"), {"login": student.email, "password": password})
    assert "_auth_user_id" not in client.session


def test_deleting_removes_every_resume_file_from_storage(
    login, history, student, password, django_capture_on_commit_callbacks
):
    resumes = {
        history["profile"].resume.name,
        history["application"].resume.name,
        history["withdrawn"].resume.name,
    }
    assert len(resumes) == 3
    assert resumes <= media_files()
    others = {history["theirs"].resume.name}

    with django_capture_on_commit_callbacks(execute=True):
        login(student).post(DELETE_URL, {"password": password})

    assert not resumes & media_files()
    assert others <= media_files(), "another student's résumé stays"


def test_applications_stay_anonymized_for_the_organization(
    login, history, student, password, django_capture_on_commit_callbacks
):
    application = history["application"]
    events_before = list(application.events.values_list("from_status", "to_status", "created_at"))
    dates_before = (application.created_at, application.offered_at, application.completed_at)

    with django_capture_on_commit_callbacks(execute=True):
        login(student).post(DELETE_URL, {"password": password})

    application.refresh_from_db()
    placeholder = application.student
    assert placeholder.pk != student.pk
    assert not placeholder.is_active
    assert not placeholder.has_usable_password()
    assert placeholder.email.endswith("@deleted.invalid")
    assert placeholder.display_name == "Deleted student"
    assert not hasattr(placeholder, "student_profile")
    assert application.status == Application.Status.COMPLETED
    assert (
        application.created_at,
        application.offered_at,
        application.completed_at,
    ) == dates_before
    assert application.pitch == REMOVED
    assert application.work_note == REMOVED
    assert application.work_links == []
    assert not application.resume
    assert (
        list(application.events.values_list("from_status", "to_status", "created_at"))
        == events_before
    )
    # The student's own steps are still theirs (the placeholder's), not "automatic".
    assert application.events.filter(actor=placeholder).count() == 3  # applied, accepted, work
    assert not ApplicationEvent.objects.filter(note=WORK_NOTE).exists()
    student_feedback = Feedback.objects.get(application=application, author_role="student")
    assert (student_feedback.rating, student_feedback.comment) == (4, REMOVED)
    assert student_feedback.author == placeholder
    employer_feedback = Feedback.objects.get(application=application, author_role="employer")
    assert employer_feedback.comment == "Excellent."
    assert not employer_feedback.public
    report = ListingReport.objects.get(listing__title="Survey")
    assert (report.reporter, report.details) == (placeholder, REMOVED)
    assert Application.objects.filter(student=placeholder).count() == 2


def test_the_employer_still_sees_the_anonymized_applicant(
    login, client, history, student, employer, password, django_capture_on_commit_callbacks
):
    name = student.get_full_name()
    with django_capture_on_commit_callbacks(execute=True):
        login(student).post(DELETE_URL, {"password": password})
    client.logout()
    application = history["application"]

    changelist = login(employer).get(reverse("employer:applications_application_changelist"))
    change = client.get(reverse("employer:applications_application_change", args=[application.pk]))

    assert changelist.status_code == 200
    listing_page = changelist.content.decode()
    assert "Deleted student" in listing_page
    assert name not in listing_page
    assert change.status_code == 200
    page = change.content.decode()
    assert escape(REMOVED) in page
    assert PITCH not in page
    assert student.email not in page
    assert "Completed" in page


def test_two_deleted_students_of_one_listing_both_stay_on_record(
    history, student, other_student, django_capture_on_commit_callbacks
):
    listing = history["listing"]
    with django_capture_on_commit_callbacks(execute=True):
        delete_student_account(student)
        delete_student_account(other_student)

    kept = Application.objects.filter(listing=listing)
    assert kept.count() == 2
    assert {a.student.display_name for a in kept} == {"Deleted student"}
    assert len({a.student_id for a in kept}) == 2


def test_the_students_rating_still_counts_for_the_organization(
    history, student, organization, django_capture_on_commit_callbacks
):
    before = Feedback.objects.about_organization(organization).count()
    with django_capture_on_commit_callbacks(execute=True):
        delete_student_account(student)

    assert Feedback.objects.about_organization(organization).count() == before == 1


def test_other_students_are_untouched(
    login, history, student, other_student, password, django_capture_on_commit_callbacks
):
    theirs = history["theirs"]
    with django_capture_on_commit_callbacks(execute=True):
        login(student).post(DELETE_URL, {"password": password})

    theirs.refresh_from_db()
    assert theirs.student == other_student
    assert theirs.pitch == "The other student's pitch."
    assert theirs.resume


def test_a_get_never_deletes(login, student):
    login(student).get(DELETE_URL)

    assert User.objects.filter(pk=student.pk).exists()


def test_a_failed_deletion_keeps_the_files(history, student, monkeypatch):
    resumes = {history["profile"].resume.name, history["application"].resume.name}

    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(User, "delete", refuse)
    with pytest.raises(RuntimeError):
        delete_student_account(student)

    assert resumes <= media_files()
    assert Application.objects.filter(student=student).count() == 2
