"""Applications and feedback at /staff/: every row visible, nothing editable."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from applications.models import Application, ApplicationEvent, Feedback
from tests.factories import ApplicationFactory, ListingFactory, StudentFactory

pytestmark = pytest.mark.django_db

Status = Application.Status
APPLICATIONS = reverse("admin:applications_application_changelist")
FEEDBACK = reverse("admin:applications_feedback_changelist")


@pytest.fixture
def applications(organization, other_organization, employer):
    ours = ListingFactory(organization=organization, published=True, title="Northwind project")
    theirs = ListingFactory(organization=other_organization, published=True, title="Globex project")
    submitted = ApplicationFactory(listing=ours, student=StudentFactory(email="ada@test.example"))
    shortlisted = ApplicationFactory(
        listing=theirs, student=StudentFactory(email="alan@test.example")
    )
    shortlisted.shortlist(by=None)
    return submitted, shortlisted


@pytest.fixture
def feedback_both_sides(organization, employer):
    listing = ListingFactory(organization=organization, published=True)
    application = ApplicationFactory(listing=listing, status=Status.COMPLETED)
    from_employer = Feedback.give(
        application=application, author=employer, rating=5, comment="A great intern."
    )
    from_student = Feedback.give(
        application=application,
        author=application.student,
        rating=2,
        comment="Nobody answered my questions.",
    )
    return from_employer, from_student


def test_career_center_group_may_view_applications_events_and_feedback(db):
    group = Group.objects.get(name=settings.CAREER_CENTER_GROUP)
    codenames = set(
        group.permissions.filter(content_type__app_label="applications").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_application", "view_applicationevent", "view_feedback"}


def test_staff_see_every_organizations_applications(login, staff, applications):
    response = login(staff).get(APPLICATIONS)
    assert response.status_code == 200
    content = response.content.decode()
    for text in ["ada@test.example", "alan@test.example", "Northwind Test", "Globex Test"]:
        assert text in content


def test_staff_filter_applications_by_status(login, staff, applications):
    content = login(staff).get(APPLICATIONS, {"status__exact": "shortlisted"}).content.decode()
    assert "alan@test.example" in content
    assert "ada@test.example" not in content


def test_staff_application_page_is_read_only_with_its_history(login, staff, applications):
    submitted, shortlisted = applications
    client = login(staff)
    url = reverse("admin:applications_application_change", args=[shortlisted.pk])
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Globex project" in content
    assert 'name="_save"' not in content
    assert "Shortlisted" in content  # the history inline
    assert "MicroIntern (automatic)" in content

    response = client.post(url, {"pitch": "Rewritten"})
    assert response.status_code == 403
    shortlisted.refresh_from_db()
    assert shortlisted.pitch != "Rewritten"


def test_staff_opening_an_application_does_not_mark_it_viewed(login, staff, applications):
    submitted, _ = applications
    login(staff).get(reverse("admin:applications_application_change", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=submitted).exists()


def test_staff_cannot_add_or_delete_applications(login, staff, applications):
    submitted, _ = applications
    client = login(staff)
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    delete = reverse("admin:applications_application_delete", args=[submitted.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Application.objects.filter(pk=submitted.pk).exists()
    actions = client.get(APPLICATIONS).context["action_form"]
    assert actions is None or "delete_selected" not in dict(actions.fields["action"].choices)


def test_staff_see_feedback_from_both_sides(login, staff, feedback_both_sides):
    from_employer, from_student = feedback_both_sides
    client = login(staff)
    response = client.get(FEEDBACK)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Employer" in content
    assert "Student" in content

    page = client.get(reverse("admin:applications_feedback_change", args=[from_student.pk]))
    assert page.status_code == 200
    assert "Nobody answered my questions." in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_staff_cannot_change_add_or_delete_feedback(login, staff, feedback_both_sides):
    _, from_student = feedback_both_sides
    client = login(staff)
    url = reverse("admin:applications_feedback_change", args=[from_student.pk])
    assert client.post(url, {"rating": "5"}).status_code == 403
    assert client.get(reverse("admin:applications_feedback_add")).status_code == 403
    delete = reverse("admin:applications_feedback_delete", args=[from_student.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    from_student.refresh_from_db()
    assert from_student.rating == 2


@pytest.mark.parametrize("url", [APPLICATIONS, FEEDBACK])
def test_employers_and_students_are_refused_at_staff_pages(login, employer, student, url):
    for user in (employer, student):
        response = login(user).get(url, follow=True)
        assert response.status_code == 403
