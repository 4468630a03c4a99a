"""Every link an email makes into an admin site opens, for the person it was sent to, the
page it promises: the object named, or the list with the promised filter selected."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Membership
from applications.models import Application
from listings.models import Listing, ListingReport
from notifications.models import Notification
from notifications.outbox import render_email
from notifications.reminders import run_rule
from tests.factories import (
    ApplicationFactory,
    ListingFactory,
    MembershipFactory,
    OrganizationFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

RULES = [
    "listings.moderation_digest",
    "applications.decide",
    "applications.project_due",
    "applications.feedback",
]
ADMIN_SITES = ("/staff/", "/employer/")


@pytest.fixture
def due(organization, employer, staff):
    """Something due for every rule whose emails link into an admin site."""
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=2)
    queue = [
        ListingFactory(submitted=True, submitted_at=long_ago, organization=organization),
        ListingFactory(submitted=True, organization=OrganizationFactory(verified=True)),
    ]
    ListingFactory(published=True, organization=organization)  # not in the queue

    undecided = ListingFactory(
        published=True, organization=organization, application_deadline=today - timedelta(15)
    )
    waiting = ApplicationFactory.create_batch(2, listing=undecided)
    ApplicationFactory(listing=ListingFactory(published=True, organization=organization))

    def engaged(status: str, due_days_ago: int) -> Application:
        listing = ListingFactory(
            published=True,
            organization=organization,
            application_deadline=today - timedelta(30),
            due_date=today - timedelta(due_days_ago),
        )
        return ApplicationFactory(status=status, listing=listing)

    late = engaged(Application.Status.ACCEPTED, due_days_ago=2)
    done = engaged(Application.Status.COMPLETED, due_days_ago=5)
    Application.objects.filter(pk=done.pk).update(completed_at=timezone.now() - timedelta(3))
    return {
        # What each email's admin link must show: the rows of a list, or the object's page.
        "listings.moderation_digest": ("list", {listing.pk for listing in queue}),
        "applications.decide": ("list", {application.pk for application in waiting}),
        "applications.decide_staff": ("list", {application.pk for application in waiting}),
        "applications.overdue": ("object", late.pk),
        "applications.feedback_reminder": ("object", done.pk),
    }


def admin_links(body_text: str, link: str = "") -> list[str]:
    """The admin paths an email links to: in its text, and as its inbox link."""
    paths = {
        url.removeprefix(settings.SITE_URL)
        for url in re.findall(re.escape(settings.SITE_URL) + r"/\S+", body_text)
    }
    paths.add(link)
    return sorted(path for path in paths if path.startswith(ADMIN_SITES))


def follow(client, person, path: str, *, rows=None, shows=None) -> None:
    """Open an emailed admin link as `person`: a list with `rows`, or the page of `shows`."""
    client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200, (person.email, path)
    if "cl" in response.context:
        changelist = response.context["cl"]
        assert {row.pk for row in changelist.result_list} == rows, path
        assert_shows_the_promised_filters(changelist, path)
    elif shows is not None:
        assert response.context["original"] == shows, path
    client.logout()


def assert_shows_the_promised_filters(changelist, path: str) -> None:
    """Each parameter is read by a filter on the page, which shows its value as selected; a
    parameter no filter of the page reads is allowed only where no filter could show it."""
    for parameter, value in parse_qsl(urlsplit(path).query):
        specs = [
            spec for spec in changelist.filter_specs if parameter in spec.expected_parameters()
        ]
        if specs:
            (selected,) = [c for c in specs[0].choices(changelist) if c["selected"]]
            assert f"{parameter}={value}" in selected["query_string"], (path, selected)
            continue
        shown = {
            getattr(spec, "parameter_name", None) or getattr(spec, "field_path", None)
            for spec in changelist.filter_specs
        }
        assert parameter.split("__")[0] not in shown, f"{path}: no filter shows {parameter}"


def test_every_admin_link_in_a_reminder_opens_the_page_it_promises(client, due):
    for rule in RULES:
        run_rule(rule)
    emails = Notification.objects.filter(kind__in=due).select_related("recipient")
    assert {email.kind for email in emails} == set(due)

    followed = set()
    for email in emails:
        links = admin_links(email.body_text, email.link)
        # Students are sent to their own pages; staff and employers to an admin site.
        assert bool(links) != email.recipient.is_student, (email.kind, email.to_email)
        for path in links:
            shape, expected = due[email.kind]
            if shape == "list":
                follow(client, email.recipient, path, rows=expected)
            else:
                follow(client, email.recipient, path, shows=Application.objects.get(pk=expected))
            followed.add(email.kind)
    assert followed == set(due)


def test_every_admin_link_in_an_email_of_a_change_opens_the_page_it_promises(
    client, organization, employer, staff
):
    student = StudentFactory()
    listing = ListingFactory(published=True, organization=organization)
    application = ApplicationFactory(listing=listing, student=student)
    ApplicationFactory(listing=ListingFactory(published=True, organization=organization))
    applicants = {application.pk}
    report = ListingReport.objects.create(listing=listing, reporter=student, reason="scam")
    ListingReport.objects.create(
        listing=ListingFactory(published=True, organization=organization),
        reporter=student,
        reason="scam",
    )
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.SUSPENDED)
    listing.refresh_from_db()
    asking = MembershipFactory(organization=organization, status=Membership.Status.REQUESTED)
    MembershipFactory(status=Membership.Status.REQUESTED)  # another organization's

    about_the_application = {"application": application, "listing": listing, "person": employer}
    cases = [
        ("applications/email/received", about_the_application, employer, applicants, None),
        ("applications/email/declined", about_the_application, employer, applicants, None),
        ("applications/email/accepted", about_the_application, employer, None, application),
        ("applications/email/work_submitted", about_the_application, employer, None, application),
        (
            "applications/email/feedback_requested",
            about_the_application,
            employer,
            None,
            application,
        ),
        (
            "listings/email/suspended_by_reports",
            {"listing": listing, "person": employer},
            employer,
            None,
            listing,
        ),
        (
            "listings/email/suspended_by_reports_staff",
            {"listing": listing, "person": staff, "reports": [report]},
            staff,
            {report.pk},
            listing,
        ),
        (
            "accounts/email/organization_changed",
            {"organization": organization, "person": staff, "by": employer, "note": "renamed"},
            staff,
            None,
            organization,
        ),
        (
            "accounts/email/join_request",
            {"organization": organization, "requester": asking.user, "owner": employer},
            employer,
            {asking.pk},
            None,
        ),
        (
            "accounts/email/join_approved",
            {"organization": organization, "member": employer, "by": employer},
            employer,
            None,
            None,
        ),
    ]
    for template, context, person, rows, shows in cases:
        _subject, body_text, _html = render_email(template, context)
        links = admin_links(body_text)
        assert links, f"{template} links to no admin page"
        for path in links:
            follow(client, person, path, rows=rows, shows=shows)


def test_the_moderation_queue_link_selects_the_status_filter_by_its_own_parameter(staff):
    from listings.admin import ListingStatusFilter
    from listings.links import moderation_queue_link

    assert moderation_queue_link() == (
        f"/staff/listings/listing/?{ListingStatusFilter.parameter_name}={Listing.Status.SUBMITTED}"
    )
