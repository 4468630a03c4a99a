from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import (
    Membership,
    Organization,
    OrganizationEvent,
    StudentProfile,
    User,
)

DEMO_PASSWORD = "demo-pass-2026"

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, EmailAddress, StudentProfile, Organization, Membership, OrganizationEvent]
    return {model.__name__: model.objects.count() for model in models}


def test_running_twice_creates_nothing_new():
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["User"] >= 5
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == first["User"]


def test_demo_accounts_have_their_roles():
    seed()
    student = User.objects.get(email="student@example.com")
    assert student.is_student and not student.is_employer
    profile = student.student_profile
    assert profile.school and profile.program and profile.graduation_year
    assert User.objects.get(email="student2@example.com").is_student

    northwind = Organization.objects.get(name="Northwind Labs")
    globex = Organization.objects.get(name="Globex Studio")
    assert northwind.is_verified and globex.is_verified
    assert northwind.email_domain and northwind.website
    assert northwind.active_members(role=Membership.Role.OWNER).get().email == (
        "employer@example.com"
    )
    assert globex.active_members(role=Membership.Role.OWNER).get().email == (
        "employer2@example.com"
    )
    # Verification went through the transition, so it is on record with its actor.
    staff = User.objects.get(email="staff@example.com")
    assert northwind.events.get().actor == staff
    assert northwind.verified_by == staff

    assert staff.is_staff and not staff.is_superuser and staff.is_career_staff
    assert staff.groups.filter(name=settings.CAREER_CENTER_GROUP).exists()

    pending = Organization.objects.pending().get()
    assert pending.memberships.active().count() == 1


def test_demo_data_repairs_a_changed_password():
    seed()
    student = User.objects.get(email="student@example.com")
    student.set_password("something-else-entirely")
    student.save()
    seed()
    student.refresh_from_db()
    assert student.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("email", "destination"),
    [
        ("student@example.com", "home"),
        ("student2@example.com", "home"),
        ("employer@example.com", "employer:index"),
        ("employer2@example.com", "employer:index"),
        ("staff@example.com", "admin:index"),
    ],
)
def test_every_demo_login_works_and_lands_in_the_right_place(client, email, destination):
    seed()
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse(destination)
    assert client.get(response["Location"]).status_code == 200


def test_listings_option_is_accepted():
    output = seed("--listings", "2")
    assert "Demo data ready" in output


def test_listings_option_refuses_a_negative_count():
    with pytest.raises(CommandError):
        seed("--listings", "-1")
