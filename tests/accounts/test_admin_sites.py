"""Who may enter /staff/ and /employer/, and what each employer can see and touch there."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Membership, Organization, OrganizationEvent, User
from accounts.sites import OrganizationScopedAdmin, employer_site
from tests.factories import (
    EmployerFactory,
    MembershipFactory,
    OrganizationFactory,
    StudentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF = "/staff/"
EMPLOYER = "/employer/"
ORGS = "/employer/accounts/organization/"
MEMBERSHIPS = "/employer/accounts/membership/"


def refused(client, url: str) -> bool:
    """A signed-in person outside the site ends on a 403, never on the site itself."""
    response = client.get(url, follow=True)
    return response.status_code == 403 and "Your organization" not in response.content.decode()


def admin_request(user):
    request = RequestFactory().get("/employer/")
    request.user = user
    return request


def run_action(client, url: str, action: str, ids):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids]})


@pytest.fixture
def requested_membership(organization):
    """Someone who asked to join the employer's organization."""
    return MembershipFactory(
        organization=organization,
        user=UserFactory(email="applicant@northwind.test"),
        role=Membership.Role.MEMBER,
        status=Membership.Status.REQUESTED,
    )


@pytest.fixture
def foreign_request(other_organization, other_employer):
    """Someone who asked to join the other organization."""
    return MembershipFactory(
        organization=other_organization,
        user=UserFactory(email="applicant@globex.test"),
        role=Membership.Role.MEMBER,
        status=Membership.Status.REQUESTED,
    )


# --- Who may enter the staff site -------------------------------------------------------


@pytest.mark.parametrize("url", [STAFF, "/staff/accounts/organization/"])
def test_staff_site_sends_anonymous_visitors_to_the_sign_in_page(client, url):
    response = client.get(url, follow=True)

    assert response.redirect_chain[-1][0] == f"/accounts/login/?next={url}"
    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()


def test_staff_site_admits_career_center_staff(login, staff):
    response = login(staff).get(STAFF)

    assert response.status_code == 200
    assert "Career center" in response.content.decode()


def test_staff_site_admits_a_superuser_outside_the_group(login):
    superuser = User.objects.create_superuser("root@test.example", "x-long-password-1")

    assert login(superuser).get(STAFF).status_code == 200


@pytest.mark.parametrize("who", ["student", "employer", "staff_flag_only"])
def test_staff_site_refuses_everyone_else(login, student, employer, who):
    user = {
        "student": student,
        "employer": employer,
        "staff_flag_only": UserFactory(is_staff=True),
    }[who]
    client = login(user)

    assert refused(client, STAFF)
    assert refused(client, "/staff/accounts/organization/")
    assert refused(client, "/staff/login/")


def test_deactivated_staff_are_signed_out_of_the_staff_site(login, staff):
    client = login(staff)
    staff.is_active = False
    staff.save()

    response = client.get(STAFF, follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/staff/"
    assert "Career center" not in response.content.decode()


def test_staff_login_url_is_the_site_sign_in_page(client):
    response = client.get("/staff/login/?next=https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"


# --- Who may enter the employer site ------------------------------------------------------


def test_employer_site_sends_anonymous_visitors_to_the_sign_in_page(client):
    response = client.get(EMPLOYER, follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/employer/"
    assert 'name="login"' in response.content.decode()


def test_employer_signs_in_through_the_employer_site(client, employer, password):
    next_url = client.get(EMPLOYER, follow=True).redirect_chain[-1][0]

    response = client.post(next_url, {"login": employer.email, "password": password})

    assert response["Location"] == EMPLOYER
    assert client.get(EMPLOYER).status_code == 200


def test_employer_site_admits_members_of_verified_and_pending_organizations(login, employer):
    pending = EmployerFactory(membership__organization=OrganizationFactory(name="Newco"))

    assert login(employer).get(EMPLOYER).status_code == 200
    response = login(pending).get(EMPLOYER)
    assert response.status_code == 200
    assert login(pending).get(ORGS).status_code == 200


@pytest.mark.parametrize("status", [Membership.Status.REQUESTED, Membership.Status.REMOVED])
def test_employer_site_refuses_people_without_an_active_membership(login, organization, status):
    membership = MembershipFactory(organization=organization, role="member", status=status)

    client = login(membership.user)

    assert refused(client, EMPLOYER)
    assert refused(client, ORGS)
    assert refused(client, f"{ORGS}{organization.pk}/change/")


def test_employer_site_refuses_students_and_suspended_organizations(
    login, student, suspended_employer
):
    assert refused(login(student), EMPLOYER)
    assert refused(login(suspended_employer), EMPLOYER)
    assert refused(login(suspended_employer), MEMBERSHIPS)


def test_staff_are_not_employers(login, staff):
    assert refused(login(staff), EMPLOYER)


# --- What an employer sees: only their own organizations ----------------------------------


def test_every_employer_admin_is_organization_scoped():
    assert employer_site._registry, "the employer site registers nothing"
    for model, model_admin in employer_site._registry.items():
        assert isinstance(model_admin, OrganizationScopedAdmin), model


def test_no_employer_admin_page_lists_another_organization(login, employer, other_employer):
    client = login(employer)
    for model in employer_site._registry:
        url = reverse(f"employer:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Globex Test" not in html, url
        assert other_employer.email not in html, url


def test_every_employer_admin_queryset_excludes_other_organizations(
    employer, organization, other_employer, other_organization
):
    request = admin_request(employer)
    for model, model_admin in employer_site._registry.items():
        queryset = model_admin.get_queryset(request)
        field = model_admin.organization_field
        key = f"{field}__in" if field else "pk__in"
        foreign = model._default_manager.filter(**{key: [other_organization.pk]})
        assert not queryset.filter(pk__in=foreign.values("pk")).exists(), model


def test_organization_changelist_shows_only_own(login, employer, other_employer):
    html = login(employer).get(ORGS).content.decode()

    assert "Northwind Test" in html
    assert "Globex Test" not in html


def test_member_of_two_organizations_sees_both(login, employer, other_organization):
    MembershipFactory(user=employer, organization=other_organization, role="member")

    html = login(employer).get(ORGS).content.decode()

    assert "Northwind Test" in html and "Globex Test" in html


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/"])
def test_another_organization_cannot_be_opened(login, employer, other_organization, suffix):
    response = login(employer).get(f"{ORGS}{other_organization.pk}/{suffix}", follow=True)

    html = response.content.decode()
    assert "Globex Test" not in html
    assert "globex.test" not in html
    if response.redirect_chain:
        assert response.redirect_chain[-1][0] == EMPLOYER
        assert "doesn’t exist" in html or "doesn't exist" in html
    else:
        assert response.status_code in (403, 404)


def test_another_organization_cannot_be_edited(login, employer, other_organization):
    login(employer).post(
        f"{ORGS}{other_organization.pk}/change/",
        {"name": "Hijacked", "website": "https://evil.example", "description": "x"},
    )

    other_organization.refresh_from_db()
    assert other_organization.name == "Globex Test"


def test_employer_edits_own_organization_but_not_its_verification(login, employer):
    organization = OrganizationFactory(name="Pending Co")
    owner = EmployerFactory(membership__organization=organization)

    response = login(owner).post(
        f"{ORGS}{organization.pk}/change/",
        {
            "name": "Pending Company",
            "website": "https://pending.example",
            "description": "We build things.",
            "verification": "verified",
        },
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Pending Company"
    assert organization.verification == Organization.Verification.PENDING


def test_employer_cannot_add_or_delete_organizations(login, employer, organization):
    client = login(employer)

    assert client.get(f"{ORGS}add/").status_code == 403
    assert client.post(f"{ORGS}{organization.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_membership_changelist_shows_only_own(
    login, employer, requested_membership, foreign_request
):
    html = login(employer).get(MEMBERSHIPS).content.decode()

    assert "applicant@northwind.test" in html
    assert "applicant@globex.test" not in html
    assert "boss@globex.test" not in html


def test_another_organizations_membership_cannot_be_opened(login, employer, foreign_request):
    response = login(employer).get(f"{MEMBERSHIPS}{foreign_request.pk}/change/", follow=True)

    assert "applicant@globex.test" not in response.content.decode()
    assert response.redirect_chain and response.redirect_chain[-1][0] == EMPLOYER


def test_owner_approves_a_request_to_join(login, employer, requested_membership):
    response = run_action(login(employer), MEMBERSHIPS, "approve", [requested_membership.pk])

    assert response.status_code == 302
    requested_membership.refresh_from_db()
    assert requested_membership.status == Membership.Status.ACTIVE
    assert requested_membership.decided_by == employer
    assert requested_membership.user.is_employer


def test_approve_action_ignores_another_organizations_requests(
    login, employer, requested_membership, foreign_request
):
    run_action(
        login(employer), MEMBERSHIPS, "approve", [foreign_request.pk, requested_membership.pk]
    )

    foreign_request.refresh_from_db()
    assert foreign_request.status == Membership.Status.REQUESTED
    assert foreign_request.decided_by is None
    requested_membership.refresh_from_db()
    assert requested_membership.status == Membership.Status.ACTIVE


def test_remove_action_ignores_another_organizations_members(
    login, employer, other_employer, foreign_request
):
    foreign_owner = other_employer.memberships.get()

    run_action(login(employer), MEMBERSHIPS, "remove", [foreign_owner.pk, foreign_request.pk])

    foreign_owner.refresh_from_db()
    foreign_request.refresh_from_db()
    assert foreign_owner.status == Membership.Status.ACTIVE
    assert foreign_request.status == Membership.Status.REQUESTED


def test_plain_members_cannot_approve_or_remove(login, organization, requested_membership):
    member = EmployerFactory(membership__organization=organization, membership__role="member")

    run_action(login(member), MEMBERSHIPS, "approve", [requested_membership.pk])

    requested_membership.refresh_from_db()
    assert requested_membership.status == Membership.Status.REQUESTED


def test_owner_cannot_remove_the_last_owner(login, employer):
    own = employer.memberships.get()

    response = run_action(login(employer), MEMBERSHIPS, "remove", [own.pk])

    own.refresh_from_db()
    assert own.status == Membership.Status.ACTIVE
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("at least one owner" in m for m in messages)


def test_foreign_key_choices_list_only_own_organizations(
    employer, organization, other_organization
):
    request = admin_request(employer)
    for model, model_admin in employer_site._registry.items():
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model is Organization:
                formfield = model_admin.formfield_for_foreignkey(field, request)
                choices = set(formfield.queryset)
                assert choices == {organization}, (model, field.name)


# --- Staff actions on organizations ---------------------------------------------------------


def test_staff_verify_action_records_an_event(login, staff):
    pending = OrganizationFactory(name="Pending Co")

    response = run_action(login(staff), "/staff/accounts/organization/", "verify", [pending.pk])

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification == Organization.Verification.VERIFIED
    assert pending.verified_by == staff
    event = OrganizationEvent.objects.get(organization=pending)
    assert (event.actor, event.from_status, event.to_status) == (staff, "pending", "verified")
    # The organization's page shows the change in words, read-only like every history.
    page = login(staff).get(f"/staff/accounts/organization/{pending.pk}/change/")
    inline = next(
        i for i in page.context["inline_admin_formsets"] if i.opts.model is OrganizationEvent
    )
    shown = inline.formset.forms[0].instance
    assert shown == event
    assert (inline.opts.from_label(shown), inline.opts.to_label(shown)) == (
        "Pending verification",
        "Verified",
    )
    assert inline.opts.actor_name(shown) == str(staff)
    assert not inline.has_add_permission and not inline.has_change_permission
    assert not inline.has_delete_permission


def test_staff_suspend_and_reinstate_control_employer_access(login, client, staff, employer):
    organization = employer.memberships.get().organization
    staff_client = login(staff)

    run_action(staff_client, "/staff/accounts/organization/", "suspend", [organization.pk])

    organization.refresh_from_db()
    assert organization.verification == Organization.Verification.SUSPENDED
    client.force_login(employer)
    assert refused(client, EMPLOYER)

    client.force_login(staff)
    run_action(client, "/staff/accounts/organization/", "reinstate", [organization.pk])

    organization.refresh_from_db()
    assert organization.verification == Organization.Verification.VERIFIED
    events = list(organization.events.order_by("created_at", "pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("verified", "suspended"),
        ("suspended", "verified"),
    ]
    assert all(e.actor == staff for e in events)
    client.force_login(employer)
    assert client.get(EMPLOYER).status_code == 200


def test_staff_action_refused_by_the_model_changes_nothing(login, staff, organization):
    response = run_action(
        login(staff), "/staff/accounts/organization/", "verify", [organization.pk]
    )

    organization.refresh_from_db()
    assert organization.verification == Organization.Verification.VERIFIED
    assert not organization.events.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot become verified" in m for m in messages)


def test_staff_cannot_set_verification_through_the_form(login, staff):
    pending = OrganizationFactory(name="Pending Co", email_domain="pending.example")

    login(staff).post(
        f"/staff/accounts/organization/{pending.pk}/change/",
        {
            "name": "Pending Co",
            "slug": pending.slug,
            "website": "",
            "email_domain": "pending.example",
            "description": "",
            "verification": "verified",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    pending.refresh_from_db()
    assert pending.verification == Organization.Verification.PENDING


def test_staff_pages_for_accounts_models_render(login, staff, employer, student):
    client = login(staff)
    objects = {
        "user": student,
        "organization": employer.memberships.get().organization,
        "membership": employer.memberships.get(),
        "studentprofile": student.student_profile,
    }
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "accounts":
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, model
        if model_admin.has_add_permission(admin_request(staff)):
            assert client.get(reverse(f"{name}_add")).status_code == 200, model
        obj = objects.get(model._meta.model_name)
        if obj is not None:
            assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200


def test_staff_adds_a_user_with_an_email_login(login, staff):
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
    assert User.objects.filter(email="new.person@test.example").exists()


def test_student_factory_users_are_not_employers(db):
    student = StudentFactory()

    assert not student.employer_organizations().exists()


def user_form_data(user, **overrides):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_career_staff_cannot_raise_their_own_access(login, staff):
    client = login(staff)

    response = client.post(
        f"/staff/accounts/user/{staff.pk}/change/",
        user_form_data(staff, is_staff="on", is_superuser="on", first_name="Changed"),
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert staff.first_name == "Changed"


def test_career_staff_cannot_make_a_student_staff(login, staff, student):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="Career center")
    response = login(staff).post(
        f"/staff/accounts/user/{student.pk}/change/",
        user_form_data(student, is_staff="on", is_superuser="on", groups=[str(group.pk)]),
    )

    assert response.status_code == 302
    student.refresh_from_db()
    assert not student.is_staff and not student.is_superuser
    assert not student.groups.exists()


def test_career_staff_deactivate_a_user(login, staff, student):
    response = login(staff).post(
        f"/staff/accounts/user/{student.pk}/change/", user_form_data(student, is_active=None)
    )

    assert response.status_code == 302
    student.refresh_from_db()
    assert not student.is_active


def test_career_staff_cannot_change_a_superusers_password(login, staff):
    root = User.objects.create_superuser("root@test.example", "x-long-password-1")
    client = login(staff)

    client.post(
        f"/staff/accounts/user/{root.pk}/password/",
        {"password1": "amber-quartz-meadow-77", "password2": "amber-quartz-meadow-77"},
    )
    client.post(f"/staff/accounts/user/{root.pk}/change/", user_form_data(root, is_active=None))

    root.refresh_from_db()
    assert root.check_password("x-long-password-1")
    assert root.is_active


def test_superusers_manage_staff_access(login, student):
    root = User.objects.create_superuser("root@test.example", "x-long-password-1")

    response = login(root).post(
        f"/staff/accounts/user/{student.pk}/change/", user_form_data(student, is_staff="on")
    )

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.is_staff


def test_career_staff_cannot_delete_a_superuser_in_bulk(login, staff):
    root = User.objects.create_superuser("root@test.example", "x-long-password-1")

    login(staff).post(
        "/staff/accounts/user/",
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(root.pk)], "post": "yes"},
    )

    assert User.objects.filter(pk=root.pk).exists()


def test_employer_site_has_no_view_on_site_shortcut(employer, other_organization, login):
    from django.contrib.contenttypes.models import ContentType

    client = login(employer)
    content_type = ContentType.objects.get_for_model(other_organization)
    response = client.get(f"/employer/r/{content_type.pk}/{other_organization.pk}/")
    assert response.status_code == 404
    assert other_organization.slug not in response.headers.get("Location", "")
