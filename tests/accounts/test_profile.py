"""A student's own profile page."""

import datetime
import re
from pathlib import Path

import pytest

from accounts.models import StudentProfile
from tests.factories import MINIMAL_PDF, SkillFactory, pdf_upload

pytestmark = pytest.mark.django_db

PROFILE_URL = "/accounts/profile/"


def profile_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "school": "Analytical College",
        "program": "Mathematics",
        "graduation_year": "2028",
        "bio": "I like engines.",
    }
    data.update(overrides)
    return data


def test_profile_requires_sign_in(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PROFILE_URL}"


def test_anonymous_post_changes_nothing(client, student):
    client.post(PROFILE_URL, profile_data())

    student.student_profile.refresh_from_db()
    assert student.student_profile.school == "State University"


@pytest.mark.parametrize("who", ["employer", "staff"])
def test_people_without_a_student_profile_get_404(login, employer, staff, who):
    client = login({"employer": employer, "staff": staff}[who])

    assert client.get(PROFILE_URL).status_code == 404
    assert client.post(PROFILE_URL, profile_data()).status_code == 404
    assert not StudentProfile.objects.exists()


def test_student_sees_their_own_profile(login, student, other_student):
    other_student.student_profile.school = "Rival Institute"
    other_student.student_profile.save()

    response = login(student).get(PROFILE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "State University" in html
    assert f'value="{student.first_name}"' in html
    assert "Rival Institute" not in html


def test_student_edits_only_their_own_profile(login, student, other_student):
    before = StudentProfile.objects.get(user=other_student)

    response = login(student).post(
        PROFILE_URL,
        # Fields that are not on the form are ignored, whatever they point at.
        profile_data(user=str(other_student.pk), id=str(before.pk), email="x@evil.example"),
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    profile = StudentProfile.objects.get(user=student)
    assert (profile.school, profile.program, profile.graduation_year, profile.bio) == (
        "Analytical College",
        "Mathematics",
        2028,
        "I like engines.",
    )
    student.refresh_from_db()
    assert (student.first_name, student.last_name) == ("Ada", "Lovelace")
    assert student.email == "student@test.example"
    after = StudentProfile.objects.get(user=other_student)
    assert (after.school, after.graduation_year, after.bio) == (
        before.school,
        before.graduation_year,
        before.bio,
    )
    assert after.user.first_name == other_student.first_name


def test_saving_shows_a_confirmation(login, student):
    response = login(student).post(PROFILE_URL, profile_data(), follow=True)

    assert "Your profile is saved." in response.content.decode()


@pytest.mark.parametrize(
    ("year", "message"),
    [("1900", "between 1950 and 2100"), ("2300", "between 1950 and 2100"), ("soon", "number")],
)
def test_invalid_graduation_year_keeps_other_typed_values(login, student, year, message):
    response = login(student).post(
        PROFILE_URL, profile_data(graduation_year=year, school="Typed School")
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["graduation_year"])
    assert message in errors
    html = response.content.decode()
    assert message in html
    assert 'value="Typed School"' in html
    assert 'value="Mathematics"' in html
    assert "I like engines." in html
    assert 'value="Ada"' in html
    profile = StudentProfile.objects.get(user=student)
    assert profile.school == "State University"
    assert profile.graduation_year == 2027
    student.refresh_from_db()
    assert student.first_name != "Ada"


def test_names_are_required(login, student):
    response = login(student).post(PROFILE_URL, profile_data(first_name=""))

    assert response.status_code == 200
    assert response.context["form"].errors["first_name"]
    student.refresh_from_db()
    assert student.first_name


def test_optional_fields_may_be_cleared(login, student):
    login(student).post(
        PROFILE_URL, profile_data(school="", program="", graduation_year="", bio="")
    )

    profile = StudentProfile.objects.get(user=student)
    assert (profile.school, profile.program, profile.graduation_year, profile.bio) == (
        "",
        "",
        None,
        "",
    )


def test_profile_is_not_changed_by_get(login, student):
    login(student).get(PROFILE_URL, profile_data())

    profile = StudentProfile.objects.get(user=student)
    assert profile.school == "State University"


# --- Skills, links, availability -------------------------------------------------------------


def test_student_chooses_skills_from_the_taxonomy(login, student):
    python, sql, design = (
        SkillFactory(name="Python"),
        SkillFactory(name="SQL"),
        SkillFactory(name="Design"),
    )
    client = login(student)

    html = client.get(PROFILE_URL).content.decode()
    assert f'type="checkbox" name="skills" value="{python.pk}"' in html
    client.post(PROFILE_URL, profile_data(skills=[str(python.pk), str(sql.pk)]))

    profile = StudentProfile.objects.get(user=student)
    assert set(profile.skills.all()) == {python, sql}
    client.post(PROFILE_URL, profile_data(skills=[str(design.pk)]))
    assert list(profile.skills.all()) == [design]
    client.post(PROFILE_URL, profile_data())
    assert not profile.skills.exists()


def test_saved_skills_are_checked_on_the_form(login, student):
    python, sql = SkillFactory(name="Python"), SkillFactory(name="SQL")
    student.student_profile.skills.add(python)

    response = login(student).get(PROFILE_URL)

    assert response.context["form"]["skills"].value() == [python.pk]
    html = response.content.decode()
    assert re.search(rf'value="{python.pk}"[^>]*checked', html)
    assert not re.search(rf'value="{sql.pk}"[^>]*checked', html)


def test_an_unknown_skill_is_refused(login, student):
    response = login(student).post(PROFILE_URL, profile_data(skills=["999999"]))

    assert response.status_code == 200
    assert response.context["form"].errors["skills"]


def test_links_and_weekly_hours_are_saved(login, student):
    login(student).post(
        PROFILE_URL,
        profile_data(
            portfolio_url="ada.example.org/work",
            github_url="https://github.com/ada",
            linkedin_url="https://www.linkedin.com/in/ada",
            weekly_hours="12",
        ),
    )

    profile = StudentProfile.objects.get(user=student)
    assert profile.portfolio_url == "https://ada.example.org/work"
    assert profile.github_url == "https://github.com/ada"
    assert profile.linkedin_url == "https://www.linkedin.com/in/ada"
    assert profile.weekly_hours == 12


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("github_url", "https://gitlab.com/ada", "GitHub address"),
        ("linkedin_url", "https://linkedin.com.evil.example/in/ada", "LinkedIn address"),
        ("portfolio_url", "javascript:alert(1)", "valid URL"),
        ("portfolio_url", "ftp://ada.example.org/", "https://"),
        ("weekly_hours", "0", "between 1 and 60"),
        ("weekly_hours", "61", "between 1 and 60"),
    ],
)
def test_bad_links_and_hours_are_refused_at_the_field(login, student, field, value, message):
    response = login(student).post(
        PROFILE_URL, profile_data(**{field: value}, school="Kept School")
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Kept School"' in response.content.decode()
    assert StudentProfile.objects.get(user=student).school == "State University"


# --- Portfolio address and switch --------------------------------------------------------------


def test_portfolio_can_be_made_public_with_an_address(login, student):
    response = login(student).post(
        PROFILE_URL, profile_data(handle="Ada-Lovelace", portfolio_public="on"), follow=True
    )

    profile = StudentProfile.objects.get(user=student)
    assert (profile.handle, profile.portfolio_public) == ("ada-lovelace", True)
    assert 'href="/students/ada-lovelace/"' in response.content.decode()


def test_public_without_an_address_is_explained_at_the_address_field(login, student):
    response = login(student).post(
        PROFILE_URL, profile_data(portfolio_public="on", school="Kept School")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["handle"]
    assert "Choose a portfolio address" in errors["handle"][0]
    html = response.content.decode()
    assert 'href="#id_handle"' in html
    assert 'value="Kept School"' in html
    assert not StudentProfile.objects.get(user=student).portfolio_public


def test_an_address_alone_keeps_the_portfolio_private(login, student):
    login(student).post(PROFILE_URL, profile_data(handle="ada"))

    profile = StudentProfile.objects.get(user=student)
    assert (profile.handle, profile.portfolio_public) == ("ada", False)


def test_a_cleared_address_is_stored_as_none(login, student, other_student):
    StudentProfile.objects.filter(user=other_student).update(handle=None)
    StudentProfile.objects.filter(user=student).update(handle="ada")

    login(student).post(PROFILE_URL, profile_data(handle=""))

    assert StudentProfile.objects.get(user=student).handle is None


def test_an_address_already_taken_is_refused(login, student, other_student):
    StudentProfile.objects.filter(user=other_student).update(handle="ada")

    response = login(student).post(PROFILE_URL, profile_data(handle="ADA", portfolio_public="on"))

    assert response.status_code == 200
    assert "already uses this address" in response.context["form"].errors["handle"][0]
    assert StudentProfile.objects.get(user=student).handle is None


@pytest.mark.parametrize(
    "handle",
    ["admin", "staff", "Career-Center", "ab", "ada_lovelace", "-ada", "ada--l", "ada l", "a" * 41],
)
def test_reserved_or_malformed_addresses_are_refused(login, student, handle):
    response = login(student).post(PROFILE_URL, profile_data(handle=handle))

    assert response.status_code == 200
    assert response.context["form"].errors["handle"]
    assert StudentProfile.objects.get(user=student).handle is None


def test_a_refused_address_does_not_show_as_the_public_one(login, student, other_student):
    StudentProfile.objects.filter(user=student).update(handle="ada", portfolio_public=True)
    StudentProfile.objects.filter(user=other_student).update(handle="taken")

    response = login(student).post(PROFILE_URL, profile_data(handle="taken", portfolio_public="on"))

    html = response.content.decode()
    assert 'href="/students/ada/"' in html
    assert 'href="/students/taken/"' not in html


# --- Résumé upload ---------------------------------------------------------------------------


def stored_resumes(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "resumes"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_form_is_multipart_and_asks_for_a_pdf(login, student):
    html = login(student).get(PROFILE_URL).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="resume"[^>]*accept="application/pdf,.pdf"', html)
    assert "You have no résumé yet" in html
    assert "/students/your-address/" in html
    assert "<address>" not in html  # help text is HTML: no stray tags
    assert re.search(r'name="graduation_year"[^>]*min="1950" max="2100"', html)
    assert re.search(r'name="weekly_hours"[^>]*min="1" max="60"', html)


def test_a_pdf_is_stored_under_a_random_name(login, student, settings):
    response = login(student).post(
        PROFILE_URL,
        profile_data(resume=pdf_upload(name="../../Ada Lovelace CV.pdf")),
        follow=True,
    )

    assert response.status_code == 200
    profile = StudentProfile.objects.get(user=student)
    assert re.fullmatch(r"resumes/[0-9a-f]{32}\.pdf", profile.resume.name)
    assert profile.resume_uploaded_at is not None
    assert [path.read_bytes() for path in stored_resumes(settings)] == [MINIMAL_PDF]
    html = response.content.decode()
    assert f'href="/files/students/{profile.pk}/resume/"' in html
    assert "Ada Lovelace CV" not in html
    assert "/media/" not in html
    assert profile.resume.name not in html


def test_the_current_resume_shows_its_upload_date_and_a_download_link(login, student):
    profile = student.student_profile
    profile.resume = pdf_upload()
    profile.resume_uploaded_at = datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)
    profile.save()

    html = login(student).get(PROFILE_URL).content.decode()

    assert "uploaded on 4 March 2026" in html
    assert f'href="/files/students/{profile.pk}/resume/"' in html
    assert "/media/" not in html


def test_replacing_the_resume_deletes_the_old_file(
    login, student, settings, django_capture_on_commit_callbacks
):
    client = login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE_URL, profile_data(resume=pdf_upload()))
    old = StudentProfile.objects.get(user=student).resume.name
    assert [p.name for p in stored_resumes(settings)] == [old.split("/")[-1]]

    second = MINIMAL_PDF.replace(b"612 792", b"595 842")  # A4, same offsets
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE_URL, profile_data(resume=pdf_upload(content=second)))

    profile = StudentProfile.objects.get(user=student)
    assert profile.resume.name != old
    files = stored_resumes(settings)
    assert [p.name for p in files] == [profile.resume.name.split("/")[-1]]
    assert files[0].read_bytes() == second


def test_saving_without_a_new_file_keeps_the_resume(
    login, student, settings, django_capture_on_commit_callbacks
):
    client = login(student)
    client.post(PROFILE_URL, profile_data(resume=pdf_upload()))
    before = StudentProfile.objects.get(user=student)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE_URL, profile_data(bio="Changed."))

    after = StudentProfile.objects.get(user=student)
    assert (after.resume.name, after.resume_uploaded_at) == (
        before.resume.name,
        before.resume_uploaded_at,
    )
    assert after.bio == "Changed."
    assert len(stored_resumes(settings)) == 1


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SCRIPTED_PDF = MINIMAL_PDF.replace(
    b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
)


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (PNG, "application/pdf", "not a PDF"),
        (HTML_PAGE, "application/pdf", "not a PDF"),
        (b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "application/pdf", "at most 5 MB"),
        (b"", "application/pdf", "The file is empty"),
        (SCRIPTED_PDF, "application/pdf", "scripts or embedded actions"),
        (b"%PDF-1.4\nthis is not really a PDF at all", "application/pdf", "could not be read"),
    ],
    ids=["png-renamed", "html-renamed", "six-mb", "empty", "javascript", "damaged"],
)
def test_a_refused_resume_says_why_and_keeps_the_other_values(
    login, student, settings, content, content_type, message
):
    skill = SkillFactory(name="Python")

    response = login(student).post(
        PROFILE_URL,
        profile_data(
            resume=pdf_upload(name="resume.pdf", content=content, content_type=content_type),
            school="Typed School",
            bio="Typed bio that must survive.",
            skills=[str(skill.pk)],
            handle="typed-handle",
            weekly_hours="15",
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["resume"]
    assert message in form.errors["resume"][0]
    html = response.content.decode()
    assert message in html
    assert 'href="#id_resume"' in html
    assert re.search(r'<input type="file" name="resume"[^>]*aria-invalid="true"', html)
    assert 'value="Typed School"' in html
    assert "Typed bio that must survive." in html
    assert 'value="typed-handle"' in html
    assert 'value="15"' in html
    assert re.search(rf'value="{skill.pk}"[^>]*checked', html)
    profile = StudentProfile.objects.get(user=student)
    assert (profile.school, profile.bio, profile.handle, profile.weekly_hours) == (
        "State University",
        "",
        None,
        None,
    )
    assert not profile.resume
    assert profile.resume_uploaded_at is None
    assert not profile.skills.exists()
    assert stored_resumes(settings) == []


def test_a_refused_resume_keeps_the_stored_one(login, student, settings):
    client = login(student)
    client.post(PROFILE_URL, profile_data(resume=pdf_upload()))
    before = StudentProfile.objects.get(user=student).resume.name

    response = client.post(PROFILE_URL, profile_data(resume=pdf_upload(content=PNG)))

    assert response.status_code == 200
    assert StudentProfile.objects.get(user=student).resume.name == before
    assert len(stored_resumes(settings)) == 1
    assert (
        f'href="/files/students/{student.student_profile.pk}/resume/"' in response.content.decode()
    )


def test_an_address_taken_while_saving_is_explained_too(login, student, other_student, monkeypatch):
    """Two students submitting one address at once: the database decides, the form explains."""
    from accounts.forms import StudentProfileForm

    StudentProfile.objects.filter(user=other_student).update(handle="ada")
    monkeypatch.setattr(StudentProfileForm, "validate_unique", lambda form: None)

    response = login(student).post(
        PROFILE_URL, profile_data(handle="ada", portfolio_public="on", school="Kept School")
    )

    assert response.status_code == 200
    assert "already uses this address" in response.context["form"].errors["handle"][0]
    assert 'value="Kept School"' in response.content.decode()
    profile = StudentProfile.objects.get(user=student)
    assert (profile.handle, profile.school) == (None, "State University")
