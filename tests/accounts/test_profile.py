"""A student's own profile page."""

import pytest

from accounts.models import StudentProfile

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
