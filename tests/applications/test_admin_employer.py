"""Reviewing applicants at /employer/: scoping, viewing, decisions, skills match, feedback."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from applications.admin import OwnListingFilter
from applications.admin import common as applications_admin
from applications.models import Application, ApplicationEvent, Feedback
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    ListingFactory,
    MembershipFactory,
    SkillFactory,
    StaffFactory,
    StudentFactory,
    StudentProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Application.Status
CHANGELIST = reverse("employer:applications_application_changelist")


def change_url(application):
    return reverse("employer:applications_application_change", args=[application.pk])


def step_url(application, step):
    return reverse("employer:applications_application_step", args=[application.pk, step])


def feedback_url(application):
    return reverse("employer:applications_application_feedback", args=[application.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, action, applications, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [str(a.pk) for a in applications],
            "index": "0",
            **extra,
        },
    )


def confirm_action(client, action, applications, **extra):
    """Submit an action's confirmation page, as its "apply" button does."""
    return client.post(
        CHANGELIST,
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [str(a.pk) for a in applications],
            "apply": "1",
            **extra,
        },
    )


def named_student(first, last, **profile):
    student = UserFactory(first_name=first, last_name=last)
    StudentProfileFactory(user=student, **profile)
    return student


@pytest.fixture
def listing(organization):
    return ListingFactory(organization=organization, published=True, title="Donor data clean-up")


@pytest.fixture
def ada(listing):
    student = named_student("Ada", "Lovelace")
    return ApplicationFactory(listing=listing, student=student)


@pytest.fixture
def alan(listing):
    student = named_student("Alan", "Turing")
    return ApplicationFactory(listing=listing, student=student)


@pytest.fixture
def foreign(other_organization):
    listing = ListingFactory(
        organization=other_organization, published=True, title="Globex secret project"
    )
    return ApplicationFactory(listing=listing, student=named_student("Grace", "Hopper"))


def refresh(*applications):
    for application in applications:
        application.refresh_from_db()


# --- Scoping -----------------------------------------------------------------------------------


def test_changelist_shows_only_own_applicants(login, employer, ada, alan, foreign):
    response = login(employer).get(CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert "Alan Turing" in content
    assert "Donor data clean-up" in content
    assert "Grace Hopper" not in content
    assert "Globex secret project" not in content


def test_listing_filter_offers_only_own_listings(login, employer, organization, ada, foreign):
    ListingFactory(organization=organization, published=True, title="Nobody applied yet")
    response = login(employer).get(CHANGELIST)
    (listing_filter,) = [f for f in response.context["cl"].filter_specs if f.title == "listing"]
    titles = [title for _pk, title in listing_filter.lookup_choices]
    assert titles == ["Donor data clean-up"]


def test_listing_filter_narrows_the_list(login, employer, organization, ada):
    other = ListingFactory(organization=organization, published=True, title="Logo refresh")
    ApplicationFactory(listing=other, student=named_student("Alan", "Turing"))
    response = login(employer).get(CHANGELIST, {"listing": str(other.pk)})
    content = response.content.decode()
    assert "Alan Turing" in content
    assert "Ada Lovelace" not in content


def test_listing_filter_with_a_foreign_listing_shows_nothing(login, employer, ada, foreign):
    response = login(employer).get(CHANGELIST, {"listing": str(foreign.listing_id)})
    content = response.content.decode()
    assert "Grace Hopper" not in content
    assert "Ada Lovelace" not in content


def _listing_filter(response):
    (listing_filter,) = [f for f in response.context["cl"].filter_specs if f.title == "listing"]
    return listing_filter


def _listings_with_applicants(organization, count: int) -> list:
    listings = []
    for index in range(count):
        listing = ListingFactory(organization=organization, published=True, title=f"Poster {index}")
        ApplicationFactory(listing=listing, student=named_student("Student", f"Number{index}"))
        listings.append(listing)
    return listings


def test_listing_filter_offers_the_most_recent_listings_and_says_where_the_others_are(
    login, employer, organization, monkeypatch
):
    monkeypatch.setattr(OwnListingFilter, "shown", 3)
    listings = _listings_with_applicants(organization, 5)
    response = login(employer).get(CHANGELIST)
    offered = [int(pk) for pk, _title in _listing_filter(response).lookup_choices]
    assert offered == [listing.pk for listing in reversed(listings[2:])]
    content = response.content.decode()
    assert "search for a listing&#x27;s title to find the applicants to an older one" in content


def test_listing_filter_says_nothing_of_others_when_it_shows_them_all(
    login, employer, organization, monkeypatch
):
    monkeypatch.setattr(OwnListingFilter, "shown", 3)
    _listings_with_applicants(organization, 3)
    response = login(employer).get(CHANGELIST)
    assert len(_listing_filter(response).lookup_choices) == 3
    assert "to find the applicants to an older one" not in response.content.decode()


def test_a_listing_chosen_from_outside_the_filter_narrows_the_list_and_shows_as_chosen(
    login, employer, organization, monkeypatch
):
    monkeypatch.setattr(OwnListingFilter, "shown", 3)
    oldest, *_ = _listings_with_applicants(organization, 5)
    response = login(employer).get(CHANGELIST, {"listing": str(oldest.pk)})
    listing_filter = _listing_filter(response)
    # The three most recent, then the chosen one, selected.
    assert len(listing_filter.lookup_choices) == 4
    assert listing_filter.lookup_choices[-1] == (str(oldest.pk), "Poster 0")
    selected = [c for c in listing_filter.choices(response.context["cl"]) if c["selected"]]
    assert [c["display"] for c in selected] == ["Poster 0"]
    assert [a.listing_id for a in response.context["cl"].result_list] == [oldest.pk]


def test_the_listing_filter_runs_as_many_queries_whichever_listing_is_chosen(
    login, employer, organization, monkeypatch
):
    monkeypatch.setattr(OwnListingFilter, "shown", 3)
    client = login(employer)
    listings = _listings_with_applicants(organization, 4)

    def queries(listing) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST, {"listing": str(listing.pk)}).status_code == 200
        return len(captured)

    within = queries(listings[-1])
    outside = queries(listings[0])
    _listings_with_applicants(organization, 20)
    assert queries(listings[0]) == outside == within


def test_the_search_finds_applicants_by_the_title_of_the_organizations_listing(
    login, employer, organization, other_organization, ada
):
    ListingFactory(organization=other_organization, published=True, title="Donor data audit")
    other = ListingFactory(organization=organization, published=True, title="Logo refresh")
    ApplicationFactory(listing=other, student=named_student("Alan", "Turing"))
    response = login(employer).get(CHANGELIST, {"q": "donor"})
    assert [a.pk for a in response.context["cl"].result_list] == [ada.pk]
    # The titles are looked for among the organization's listings only.
    with CaptureQueriesContext(connection) as captured:
        login(employer).get(CHANGELIST, {"q": "donor"})
    title_lookups = [q["sql"] for q in captured if 'UPPER("listings_listing"."title"' in q["sql"]]
    assert title_lookups and all("organization_id" in sql for sql in title_lookups)


def test_status_filter_and_search_by_name(login, employer, ada, alan):
    alan.shortlist(by=employer)
    client = login(employer)
    content = client.get(CHANGELIST, {"status__exact": "shortlisted"}).content.decode()
    assert "Alan Turing" in content
    assert "Ada Lovelace" not in content
    content = client.get(CHANGELIST, {"q": "lovelace"}).content.decode()
    assert "Ada Lovelace" in content
    assert "Alan Turing" not in content


def test_foreign_change_page_is_not_found_and_not_marked_viewed(login, employer, foreign):
    response = login(employer).get(change_url(foreign), follow=True)
    content = response.content.decode()
    assert "doesn’t exist" in content
    assert "Grace Hopper" not in content
    foreign.refresh_from_db()
    assert foreign.status == Status.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=foreign, to_status="viewed").exists()


@pytest.mark.parametrize("step", ["shortlist", "offer", "not_select"])
def test_foreign_step_urls_are_not_found(login, employer, foreign, step):
    client = login(employer)
    assert client.get(step_url(foreign, step)).status_code == 404
    response = client.post(step_url(foreign, step), {"apply": "1", "text": "Hello"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=foreign).exists()


def test_foreign_feedback_url_is_not_found(login, employer, other_organization):
    listing = ListingFactory(organization=other_organization, published=True)
    completed = ApplicationFactory(listing=listing, status=Status.COMPLETED)
    client = login(employer)
    assert client.get(feedback_url(completed)).status_code == 404
    assert client.post(feedback_url(completed), {"rating": "1"}).status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "action", ["shortlist", "offer", "not_select", "complete", "request_revision"]
)
def test_actions_ignore_foreign_ids(login, employer, foreign, action):
    client = login(employer)
    run_action(client, action, [foreign])
    response = confirm_action(client, action, [foreign], text="Hello")
    assert "Grace Hopper" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.status == Status.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=foreign).exists()


def test_unknown_step_is_not_found(login, employer, ada):
    assert login(employer).post(step_url(ada, "delete"), {"apply": "1"}).status_code == 404


@pytest.mark.parametrize("which", ["changelist", "change", "step", "feedback"])
def test_students_and_suspended_members_are_refused(
    client, student, suspended_employer, ada, which
):
    url = {
        "changelist": CHANGELIST,
        "change": change_url(ada),
        "step": step_url(ada, "shortlist"),
        "feedback": feedback_url(ada),
    }[which]
    for user in (student, suspended_employer):
        client.force_login(user)
        response = client.post(url, {"apply": "1"}, follow=True)
        assert response.status_code == 403
        response = client.get(url, follow=True)
        assert response.status_code == 403
        assert "Ada Lovelace" not in response.content.decode()
    ada.refresh_from_db()
    assert ada.status == Status.SUBMITTED


def test_member_of_a_suspended_and_a_verified_organization_sees_only_the_verified_one(
    login, employer, ada, suspended_employer
):
    shady = suspended_employer.memberships.get().organization
    shady_listing = ListingFactory(organization=shady, published=True, title="Shady project")
    ApplicationFactory(listing=shady_listing, student=named_student("Mallory", "Shade"))
    MembershipFactory(user=employer, organization=shady)
    content = login(employer).get(CHANGELIST).content.decode()
    assert "Ada Lovelace" in content
    assert "Mallory Shade" not in content


def test_no_add_no_delete_no_editing(login, employer, ada):
    client = login(employer)
    assert client.get(reverse("employer:applications_application_add")).status_code == 403
    assert (
        client.get(reverse("employer:applications_application_delete", args=[ada.pk])).status_code
        == 403
    )
    response = client.post(change_url(ada), {"pitch": "Rewritten"})
    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.pitch != "Rewritten"
    actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _label in actions]


# --- Opening an application -------------------------------------------------------------------


def test_opening_marks_viewed_once(login, employer, ada):
    client = login(employer)
    assert client.get(change_url(ada)).status_code == 200
    assert client.get(change_url(ada)).status_code == 200
    ada.refresh_from_db()
    assert ada.status == Status.VIEWED
    assert ada.viewed_at is not None
    events = ApplicationEvent.objects.filter(application=ada, to_status=Status.VIEWED)
    assert events.count() == 1
    assert events.get().actor == employer


def test_opening_a_decided_application_changes_nothing(login, employer, ada):
    ada.shortlist(by=employer)
    login(employer).get(change_url(ada))
    ada.refresh_from_db()
    assert ada.status == Status.SHORTLISTED
    assert not ApplicationEvent.objects.filter(application=ada, to_status=Status.VIEWED).exists()


def test_change_page_shows_the_application_and_the_profile(login, employer, listing):
    python, sql, tableau, drawing = (
        SkillFactory(name=name) for name in ["Python", "SQL", "Tableau", "Drawing"]
    )
    listing.skills.set([python, sql, tableau])
    student = named_student(
        "Ada",
        "Lovelace",
        school="Analytical College",
        program="Mathematics",
        graduation_year=2026,
        bio="I like <engines>.",
        github_url="https://github.com/ada",
        weekly_hours=12,
    )
    student.student_profile.skills.set([python, sql, drawing])
    application = ApplicationFactory(
        listing=listing, student=student, pitch="I would start\nwith a plan."
    )
    response = login(employer).get(change_url(application))
    content = response.content.decode()
    for text in [
        "Ada Lovelace",
        "Analytical College",
        "Mathematics",
        "2026",
        "I like &lt;engines&gt;.",
        'href="https://github.com/ada"',
        "12",
        "I would start<br>with a plan.",
        "2 of 3 skills",
        "Tableau (not on the profile)",
        "Also: Drawing",
    ]:
        assert text in content, text
    assert "<engines>" not in content
    assert student.email not in content


def test_resume_links_to_the_download_view_when_it_exists(monkeypatch, ada):
    monkeypatch.setattr(applications_admin, "reverse", lambda name, kwargs: f"/r/{kwargs['pk']}/")
    assert f'href="/r/{ada.pk}/"' in applications_admin.resume_link(ada)


def test_resume_is_named_only_while_there_is_no_download_view(monkeypatch, ada):
    def no_route(name, kwargs):
        raise NoReverseMatch(name)

    monkeypatch.setattr(applications_admin, "reverse", no_route)
    assert applications_admin.resume_link(ada) == "Résumé on file"


def test_unsafe_work_links_are_not_links(login, employer, listing):
    application = ApplicationFactory(
        listing=listing,
        status=Status.WORK_SUBMITTED,
        work_submitted_at=timezone.now(),
        work_links=["https://example.org/report", "javascript:alert(1)"],
    )
    content = login(employer).get(change_url(application)).content.decode()
    assert 'href="https://example.org/report"' in content
    assert 'href="javascript' not in content


@pytest.mark.parametrize(
    ("status", "buttons", "absent"),
    [
        ("submitted", ["Shortlist", "Make an offer…", "Not selected…"], ["Mark complete"]),
        ("shortlisted", ["Make an offer…", "Not selected…"], ['Shortlist"']),
        (
            "work_submitted",
            ["Mark complete", "Request a revision…", "Mark incomplete…"],
            ["Make an offer…"],
        ),
        ("accepted", ["Mark incomplete…"], ["Mark complete", "Make an offer…"]),
        ("completed", [], ["Mark incomplete…", "Make an offer…"]),
    ],
)
def test_change_page_offers_the_decisions_open_now(
    login, employer, listing, status, buttons, absent
):
    application = ApplicationFactory(listing=listing, status=status)
    content = login(employer).get(change_url(application)).content.decode()
    for label in buttons:
        assert f'value="{label}"' in content, label
    for label in absent:
        assert f'value="{label}' not in content, label


# --- Skills match and query count -------------------------------------------------------------


def test_skills_match_counts_the_listings_skills_on_the_profile(login, employer, organization):
    python, sql, tableau, drawing = (
        SkillFactory(name=name) for name in ["Python", "SQL", "Tableau", "Drawing"]
    )
    listing = ListingFactory(
        organization=organization, published=True, skills=[python, sql, tableau]
    )
    matching = named_student("Ada", "Lovelace")
    matching.student_profile.skills.set([python, sql, drawing])
    ApplicationFactory(listing=listing, student=matching)
    ApplicationFactory(listing=listing, student=named_student("Alan", "Turing"))
    no_skills = ListingFactory(organization=organization, published=True)
    ApplicationFactory(listing=no_skills, student=matching)

    response = login(employer).get(CHANGELIST)
    rows = {
        (a.student.display_name, a.listing_id): applications_admin.skills_match_text(a)
        for a in response.context["cl"].result_list
    }
    assert rows == {
        ("Ada Lovelace", listing.pk): "2 of 3 skills",
        ("Alan Turing", listing.pk): "0 of 3 skills",
        ("Ada Lovelace", no_skills.pk): "No skills listed",
    }
    assert "2 of 3 skills" in response.content.decode()


def add_applicants(organization, count, skills):
    """`count` applicants to as many listings, each student with some of the skills."""
    for n in range(count):
        listing = ListingFactory(organization=organization, published=True, skills=skills)
        student = StudentFactory()
        student.student_profile.skills.set(skills[: n % 3])
        ApplicationFactory(listing=listing, student=student)


def test_changelist_runs_a_constant_number_of_queries(
    login, employer, organization, django_assert_num_queries
):
    skills = [SkillFactory(name=name) for name in ["Python", "SQL", "Tableau"]]
    client = login(employer)
    add_applicants(organization, 3, skills)
    client.get(CHANGELIST)  # warms the content-type cache, as any earlier page would
    with CaptureQueriesContext(connection) as at_three:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 3

    add_applicants(organization, 12, skills)
    with django_assert_num_queries(len(at_three)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 15
    assert "2 of 3 skills" in response.content.decode()


# --- Decisions ----------------------------------------------------------------------------------


def test_shortlist_in_bulk_reports_refusals_by_name(login, employer, ada, alan, listing):
    offered = ApplicationFactory(
        listing=listing, student=named_student("Grace", "Hopper"), status=Status.OFFERED
    )
    response = run_action(login(employer), "shortlist", [ada, alan, offered])
    assert response.status_code == 302
    refresh(ada, alan, offered)
    assert ada.status == alan.status == Status.SHORTLISTED
    assert offered.status == Status.OFFERED
    found = messages_of(response)
    assert any("Shortlisted" in m and "Ada Lovelace" in m and "Alan Turing" in m for m in found)
    assert any(m.startswith("Grace Hopper: ") and "cannot be shortlisted" in m for m in found)
    assert Notification.objects.filter(kind="applications.shortlisted").count() == 2


def test_offer_asks_for_an_optional_message_then_offers(login, employer, ada):
    client = login(employer)
    page = run_action(client, "offer", [ada])
    assert page.status_code == 200
    assert "admin/steps/confirm.html" in [t.name for t in page.templates]
    assert "Ada Lovelace" in page.content.decode()
    ada.refresh_from_db()
    assert ada.status == Status.SUBMITTED

    response = confirm_action(client, "offer", [ada], text="We start on Monday.")
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.status == Status.OFFERED
    assert ada.employer_message == "We start on Monday."
    assert ada.offer_expires_at is not None
    assert any("Offer sent to Ada Lovelace" in m for m in messages_of(response))
    notification = Notification.objects.get(kind="applications.offered")
    assert notification.recipient == ada.student
    assert "We start on Monday." in notification.body_text


def test_offer_without_a_message(login, employer, ada):
    response = confirm_action(login(employer), "offer", [ada], text="")
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.status == Status.OFFERED
    assert ada.employer_message == ""


def test_offer_when_openings_are_taken_is_refused_with_the_reason(
    login, employer, listing, ada, alan
):
    alan.offer(by=employer)
    response = confirm_action(login(employer), "offer", [ada], text="")
    ada.refresh_from_db()
    assert ada.status == Status.SUBMITTED
    found = messages_of(response)
    assert any(m.startswith("Ada Lovelace: All 1 opening(s)") for m in found), found
    assert not any("Offer sent" in m for m in found)


def test_bulk_offer_stops_at_the_openings(login, employer, listing, ada, alan):
    response = confirm_action(login(employer), "offer", [ada, alan], text="")
    refresh(ada, alan)
    assert sorted([ada.status, alan.status]) == [Status.OFFERED, Status.SUBMITTED]
    assert listing.applications.holding_openings().count() == 1
    found = messages_of(response)
    assert any("Offer sent to" in m for m in found)
    assert any("opening(s)" in m for m in found)


def test_offer_from_the_change_page(login, employer, ada):
    client = login(employer)
    page = client.post(step_url(ada, "offer"))
    assert page.status_code == 200
    assert 'name="text"' in page.content.decode()
    response = client.post(step_url(ada, "offer"), {"apply": "1", "text": "Welcome!"})
    assert response.status_code == 302
    assert response["Location"] == change_url(ada)
    ada.refresh_from_db()
    assert ada.status == Status.OFFERED


def test_not_selected_in_bulk_tells_each_student_once(login, employer, ada, alan):
    ada.shortlist(by=employer)
    client = login(employer)
    assert run_action(client, "not_select", [ada, alan]).status_code == 200
    response = confirm_action(
        client, "not_select", [ada, alan], text="We chose someone with design experience."
    )
    refresh(ada, alan)
    assert ada.status == alan.status == Status.NOT_SELECTED
    notifications = Notification.objects.filter(kind="applications.not_selected")
    assert sorted(n.recipient_id for n in notifications) == sorted(
        [ada.student_id, alan.student_id]
    )
    assert all("design experience" in n.body_text for n in notifications)
    assert any("Marked not selected" in m for m in messages_of(response))


def test_not_selected_refuses_offered_applications(login, employer, ada, listing):
    ada.offer(by=employer)
    response = confirm_action(login(employer), "not_select", [ada], text="")
    ada.refresh_from_db()
    assert ada.status == Status.OFFERED
    assert any(m.startswith("Ada Lovelace: ") for m in messages_of(response))
    assert not Notification.objects.filter(kind="applications.not_selected").exists()


def test_complete_work(login, employer, listing):
    submitted = ApplicationFactory(listing=listing, status=Status.WORK_SUBMITTED)
    working = ApplicationFactory(
        listing=listing, status=Status.ACCEPTED, student=named_student("Alan", "Turing")
    )
    response = run_action(login(employer), "complete", [submitted, working])
    refresh(submitted, working)
    assert submitted.status == Status.COMPLETED
    assert submitted.completed_at is not None
    assert working.status == Status.ACCEPTED
    assert any(m.startswith("Alan Turing: ") for m in messages_of(response))


def test_complete_from_the_change_page(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.WORK_SUBMITTED)
    response = login(employer).post(step_url(application, "complete"), {"apply": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.COMPLETED


def test_step_page_for_a_decision_not_open_now_sends_back(login, employer, ada):
    response = login(employer).get(step_url(ada, "complete"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(ada)
    assert any("not open now" in m for m in messages_of(response))


def test_request_revision_needs_a_note(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.WORK_SUBMITTED)
    client = login(employer)
    response = client.post(step_url(application, "request_revision"), {"apply": "1", "text": " "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.WORK_SUBMITTED

    response = client.post(
        step_url(application, "request_revision"),
        {"apply": "1", "text": "Add the chart legend."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REVISION_REQUESTED
    assert application.employer_message == "Add the chart legend."
    event = application.events.last()
    assert (event.to_status, event.note, event.actor) == (
        Status.REVISION_REQUESTED,
        "Add the chart legend.",
        employer,
    )


def test_request_revision_as_an_action_needs_a_note(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.WORK_SUBMITTED)
    response = confirm_action(login(employer), "request_revision", [application], text="")
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Status.WORK_SUBMITTED


def test_request_revision_is_one_application_at_a_time(login, employer, listing):
    first, second = ApplicationFactory.create_batch(
        2, listing=listing, status=Status.WORK_SUBMITTED
    )
    response = run_action(login(employer), "request_revision", [first, second])
    assert response.status_code == 302
    refresh(first, second)
    assert first.status == second.status == Status.WORK_SUBMITTED
    assert any("one application at a time" in m for m in messages_of(response))


def test_request_revision_refused_before_the_work_arrives(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.ACCEPTED)
    response = login(employer).post(
        step_url(application, "request_revision"), {"apply": "1", "text": "More."}
    )
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert any("cannot be sent back for revision" in m for m in messages_of(response))


def test_mark_incomplete_needs_a_reason(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.ACCEPTED)
    client = login(employer)
    response = client.post(step_url(application, "mark_incomplete"), {"apply": "1", "text": ""})
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED

    client.post(
        step_url(application, "mark_incomplete"),
        {"apply": "1", "text": "No reply for three weeks."},
    )
    application.refresh_from_db()
    assert application.status == Status.INCOMPLETE
    assert application.employer_message == "No reply for three weeks."
    assert Notification.objects.filter(
        kind="applications.incomplete", recipient=application.student
    ).exists()


def test_mark_incomplete_refused_after_completion(login, employer, listing):
    application = ApplicationFactory(listing=listing, status=Status.COMPLETED)
    response = confirm_action(login(employer), "mark_incomplete", [application], text="Late.")
    application.refresh_from_db()
    assert application.status == Status.COMPLETED
    assert any("cannot be marked incomplete" in m for m in messages_of(response))


def test_another_member_of_the_organization_can_decide(login, organization, ada):
    colleague = EmployerFactory(membership__organization=organization, membership__role="member")
    run_action(login(colleague), "shortlist", [ada])
    ada.refresh_from_db()
    assert ada.status == Status.SHORTLISTED


# --- Feedback ------------------------------------------------------------------------------------


@pytest.fixture
def completed(listing):
    return ApplicationFactory(
        listing=listing, student=named_student("Ada", "Lovelace"), status=Status.COMPLETED
    )


def test_feedback_form_only_after_completion(login, employer, ada, completed):
    client = login(employer)
    assert 'name="rating"' not in client.get(change_url(ada)).content.decode()
    assert 'name="rating"' in client.get(change_url(completed)).content.decode()


def test_give_feedback(login, employer, completed):
    client = login(employer)
    response = client.post(
        feedback_url(completed), {"rating": "5", "comment": "Careful, fast work."}
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(completed) + "#feedback"
    feedback = Feedback.objects.get(application=completed)
    assert feedback.author_role == Feedback.Author.EMPLOYER
    assert feedback.author == employer
    assert (feedback.rating, feedback.comment) == (5, "Careful, fast work.")
    assert any("feedback on Ada Lovelace is saved" in m for m in messages_of(response))

    content = client.get(change_url(completed)).content.decode()
    assert "Careful, fast work." in content
    assert "has not published this testimonial" in content
    assert 'value="Save changes"' in content


def test_feedback_shows_when_the_student_published_it(login, employer, completed):
    feedback = Feedback.give(application=completed, author=employer, rating=4, comment="Good.")
    feedback.set_public(by=completed.student, public=True)
    content = login(employer).get(change_url(completed)).content.decode()
    assert "shows this testimonial on their public portfolio" in content


def test_feedback_can_be_edited_for_seven_days_then_is_final(login, employer, completed):
    client = login(employer)
    client.post(feedback_url(completed), {"rating": "3", "comment": "Fine."})
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        client.post(feedback_url(completed), {"rating": "4", "comment": "Better than I said."})
        assert Feedback.objects.get().rating == 4
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(feedback_url(completed), {"rating": "1", "comment": "Changed."})
        assert any("this one is final" in m for m in messages_of(response))
        content = client.get(change_url(completed)).content.decode()
        assert 'name="rating"' not in content
        assert "this one is final" in content
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment) == (4, "Better than I said.")


def test_feedback_needs_a_rating_from_1_to_5(login, employer, completed):
    response = login(employer).post(feedback_url(completed), {"rating": "9", "comment": "x"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_refused_before_completion(login, employer, listing):
    working = ApplicationFactory(listing=listing, status=Status.WORK_SUBMITTED)
    response = login(employer).post(feedback_url(working), {"rating": "5"})
    assert response.status_code == 302
    assert not Feedback.objects.exists()
    assert any(
        "Feedback opens when the engagement is completed" in m for m in messages_of(response)
    )


def test_feedback_page_renders(login, employer, completed):
    response = login(employer).get(feedback_url(completed))
    assert response.status_code == 200
    assert 'name="rating"' in response.content.decode()


def _student_rates(listing, rating, comment):
    application = ApplicationFactory(listing=listing, status=Status.COMPLETED)
    Feedback.give(
        application=application, author=application.student, rating=rating, comment=comment
    )
    return application


def test_average_rating_hidden_below_three_ratings(login, employer, listing):
    first = _student_rates(listing, 5, "Lovely team, secret detail one.")
    _student_rates(listing, 4, "Secret detail two.")
    content = login(employer).get(change_url(first)).content.decode()
    assert "on average" not in content
    assert "secret detail" not in content.lower()


def test_average_rating_shown_from_three_ratings_without_individual_ones(login, employer, listing):
    first = _student_rates(listing, 5, "Secret detail one.")
    _student_rates(listing, 4, "Secret detail two.")
    _student_rates(listing, 2, "Secret detail three.")
    content = login(employer).get(change_url(first)).content.decode()
    assert "3.7 of 5 on average (3 ratings)" in content
    assert "secret detail" not in content.lower()


def test_staff_do_not_reach_the_employer_site(login, ada):
    response = login(StaffFactory()).get(CHANGELIST, follow=True)
    assert response.status_code == 403


def test_not_selected_starts_from_a_kind_message_the_employer_can_change(
    login, employer, ada, alan
):
    from applications.admin.employer import NOT_SELECTED_MESSAGE

    page = run_action(login(employer), "not_select", [ada, alan])

    form = page.context["form"]
    assert form["text"].value() == NOT_SELECTED_MESSAGE
    assert "These 2 applicants" in page.content.decode()


def test_not_selected_in_one_click_sends_the_kind_message(login, employer, ada):
    from applications.admin.employer import NOT_SELECTED_MESSAGE

    client = login(employer)
    page = client.get(change_url(ada)).content.decode()
    assert "Not selected: send the kind message" in page

    # What the page's one-click form posts.
    response = client.post(
        step_url(ada, "not_select"), {"apply": "1", "text": NOT_SELECTED_MESSAGE}
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.status == Status.NOT_SELECTED
    (notice,) = Notification.objects.filter(kind="applications.not_selected", recipient=ada.student)
    assert "we hope to see you apply to our next one" in notice.body_text


def test_no_one_click_not_selected_once_an_offer_is_out(login, employer, ada):
    ada.offer(by=employer)

    page = login(employer).get(change_url(ada)).content.decode()

    assert "Not selected: send the kind message" not in page
