"""The student's dashboard, one application's page, its actions and the deadlines calendar."""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from applications.models import Application, ApplicationEvent, Feedback
from listings.models import Listing
from tests.factories import ApplicationFactory, ListingFactory
from tests.test_templates import Page, assert_no_inline_style_or_script

pytestmark = pytest.mark.django_db

LIST_URL = reverse("applications:list")
CALENDAR_URL = reverse("applications:calendar")
ACTIONS = ["withdraw", "accept", "decline", "submit_work", "feedback", "testimonial"]


def url(name: str, application: Application) -> str:
    return reverse(f"applications:{name}", kwargs={"pk": application.pk})


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def refreshed(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def listing(organization):
    return ListingFactory(published=True, organization=organization, title="Survey dashboard")


@pytest.fixture
def application(student, listing):
    application = ApplicationFactory(student=student, listing=listing)
    ApplicationEvent.objects.create(application=application, actor=student, to_status="submitted")
    return application


def employer_testimonial(application, employer, **fields) -> Feedback:
    return Feedback.objects.create(
        application=application,
        author_role=Feedback.Author.EMPLOYER,
        author=employer,
        rating=fields.get("rating", 5),
        comment=fields.get("comment", "Careful, fast and clear."),
        public=fields.get("public", False),
    )


# --- Access --------------------------------------------------------------------------------


def test_visitor_is_sent_to_login_from_every_page(client, application):
    urls = [LIST_URL, CALENDAR_URL, url("detail", application)]
    urls += [url(action, application) for action in ACTIONS]
    for target in urls:
        response = client.get(target)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    for action in ACTIONS:
        assert client.post(url(action, application)).status_code == 302
    assert refreshed(application).status == Application.Status.SUBMITTED


@pytest.mark.parametrize("role", ["other_student", "employer", "staff"])
def test_someone_elses_application_is_not_found_for_detail_and_every_action(
    request, login, application, role
):
    client = login(request.getfixturevalue(role))

    assert client.get(url("detail", application)).status_code == 404
    for action in ACTIONS:
        assert client.get(url(action, application)).status_code == 404
        assert client.post(url(action, application), {"public": "1"}).status_code == 404
    assert refreshed(application).status == Application.Status.SUBMITTED


def test_dashboard_lists_only_own_applications(login, student, other_student, application):
    theirs = ApplicationFactory(student=other_student, listing__title="Someone else's project")

    response = login(student).get(LIST_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["applications"]) == [application]
    assert "Survey dashboard" in content
    assert theirs.listing.title not in content
    assert url("detail", theirs) not in content


def test_non_student_sees_an_explanation(login, employer):
    response = login(employer).get(LIST_URL)

    assert "Applications are for student accounts" in response.content.decode()


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_shows_status_next_step_and_due_date(login, student, organization):
    offered = ApplicationFactory(
        student=student, status="offered", listing__organization=organization
    )
    accepted = ApplicationFactory(
        student=student, status="accepted", listing__organization=organization
    )

    response = login(student).get(LIST_URL)

    page = Page(response.content.decode())
    offered_card = page.find("article", aria_labelledby=f"application-{offered.pk}")
    assert "Offer made" in offered_card.clean_text
    assert "Respond to the offer by" in offered_card.clean_text
    expiry = timezone.localtime(offered.offer_expires_at)
    assert f"{expiry:%B %Y}" in offered_card.clean_text
    accepted_card = page.find("article", aria_labelledby=f"application-{accepted.pk}")
    assert "Offer accepted: working" in accepted_card.clean_text
    assert "Work due" in accepted_card.clean_text
    assert "Submit your work by" in accepted_card.clean_text
    headings = [h.clean_text for h in page.find_all("h2")]
    assert any(h.startswith("Offers and current work") for h in headings)
    assert_no_inline_style_or_script(response.content.decode())


def test_empty_dashboard_invites_to_browse(login, student):
    response = login(student).get(LIST_URL)

    assert "You have not applied to a project yet" in response.content.decode()
    assert reverse("listings:list") in response.content.decode()


def make_applications(student, employer, count: int) -> None:
    statuses = cycle(
        ["submitted", "offered", "accepted", "work_submitted", "completed", "not_selected"]
    )
    for _ in range(count):
        application = ApplicationFactory(student=student, status=next(statuses))
        ApplicationEvent.objects.create(
            application=application, actor=student, to_status="submitted"
        )
        ApplicationEvent.objects.create(
            application=application, actor=employer, to_status=application.status
        )
        if application.status == "completed":
            employer_testimonial(application, employer)


def test_dashboard_runs_a_constant_number_of_queries(
    login, student, employer, django_assert_num_queries
):
    client = login(student)
    make_applications(student, employer, 1)
    with CaptureQueriesContext(connection) as with_one:
        client.get(LIST_URL)

    made = 1
    for count in (2, 20):
        make_applications(student, employer, count - made)
        made = count
        with django_assert_num_queries(len(with_one)):
            response = client.get(LIST_URL)
        assert len(response.context["applications"]) == count


# --- One application ---------------------------------------------------------------------------


def test_detail_shows_listing_pitch_timeline_and_message(
    login, student, staff, application, organization
):
    application.not_select(by=staff, message="We chose someone with more survey experience.")

    response = login(student).get(url("detail", application))

    content = response.content.decode()
    page = Page(content)
    assert response.status_code == 200
    assert page.find("h1").clean_text == "Survey dashboard"
    assert application.pitch in content
    assert application.listing.summary in content
    assert "Message from Northwind Test" in content
    assert "We chose someone with more survey experience." in content
    timeline = page.find("ol", class_="timeline").clean_text
    assert "Submitted" in timeline and "You" in timeline
    assert "Not selected" in timeline and "Northwind Test" in timeline
    assert staff.email not in content
    assert not page.find_all("form", action=url("withdraw", application))
    assert_no_inline_style_or_script(content)


@pytest.mark.parametrize(
    ("change", "linked"),
    [
        pytest.param({}, True, id="published"),
        pytest.param({"status": "closed"}, True, id="closed"),
        pytest.param({"status": "completed"}, True, id="completed"),
        pytest.param({"status": "cancelled"}, False, id="cancelled"),
        pytest.param({"status": "removed"}, False, id="removed"),
        pytest.param({"organization_suspended": True}, False, id="organization-suspended"),
    ],
)
def test_detail_links_the_project_page_only_while_the_student_can_open_it(
    client, login, student, application, change, linked
):
    listing = application.listing
    if change.pop("organization_suspended", False):
        Organization.objects.filter(pk=listing.organization_id).update(
            verification=Organization.Verification.SUSPENDED
        )
    Listing.objects.filter(pk=listing.pk).update(**change)

    page = Page(login(student).get(url("detail", application)).content.decode())

    links = page.find_all("a", href=listing.get_absolute_url())
    assert any("full project description" in link.clean_text for link in links) == linked
    assert client.get(listing.get_absolute_url()).status_code == (200 if linked else 404)


def test_detail_of_a_system_decision_names_no_person(login, student, application):
    application.not_select(by=None, message="All openings are filled.")

    timeline = Page(login(student).get(url("detail", application)).content.decode())

    assert "MicroIntern (automatic)" in timeline.find("ol", class_="timeline").clean_text


def test_detail_offers_only_the_actions_open_now(login, student, organization):
    client = login(student)
    offered = ApplicationFactory(
        student=student, status="offered", listing__organization=organization
    )
    accepted = ApplicationFactory(
        student=student, status="accepted", listing__organization=organization
    )

    offer_page = Page(client.get(url("detail", offered)).content.decode())
    work_page = Page(client.get(url("detail", accepted)).content.decode())

    for action in ("accept", "decline", "withdraw"):
        assert offer_page.find_all("form", action=url(action, offered))
    assert not offer_page.find_all("form", action=url("submit_work", offered))
    expiry = timezone.localtime(offered.offer_expires_at)
    assert f"{expiry:%H:%M}" in offer_page.find("section", aria_labelledby="offer-heading").text
    assert work_page.find_all("form", action=url("submit_work", accepted))
    assert work_page.find("textarea", name="links").get("id") == "id_links"
    for action in ("accept", "decline", "withdraw", "feedback"):
        assert not work_page.find_all("form", action=url(action, accepted))


# --- Actions -------------------------------------------------------------------------------------


def test_withdraw(login, student, application):
    response = login(student).post(url("withdraw", application), follow=True)

    application = refreshed(application)
    assert response.redirect_chain == [(url("detail", application), 302)]
    assert application.status == Application.Status.WITHDRAWN
    assert application.events.last().to_status == "withdrawn"
    assert any("You withdrew" in m for m in messages_of(response))


def test_accept_an_offer(login, student, listing):
    offered = ApplicationFactory(student=student, listing=listing, status="offered")

    response = login(student).post(url("accept", offered), follow=True)

    assert refreshed(offered).status == Application.Status.ACCEPTED
    assert any("You accepted the offer" in m for m in messages_of(response))


def test_an_expired_offer_cannot_be_accepted(login, student, listing):
    offered = ApplicationFactory(
        student=student,
        listing=listing,
        status="offered",
        offer_expires_at=timezone.now() - timedelta(minutes=1),
    )

    response = login(student).post(url("accept", offered), follow=True)

    assert refreshed(offered).status == Application.Status.OFFERED
    assert "This offer has expired." in messages_of(response)


def test_decline_an_offer(login, student, listing):
    offered = ApplicationFactory(student=student, listing=listing, status="offered")

    login(student).post(url("decline", offered))

    assert refreshed(offered).status == Application.Status.DECLINED


def test_submit_work(login, student, listing):
    accepted = ApplicationFactory(student=student, listing=listing, status="accepted")

    response = login(student).post(
        url("submit_work", accepted),
        {
            "links": "https://example.com/report.pdf\n\n https://github.com/me/survey \n",
            "note": "The report and the cleaning scripts.",
        },
        follow=True,
    )

    accepted = refreshed(accepted)
    assert accepted.status == Application.Status.WORK_SUBMITTED
    assert accepted.work_links == ["https://example.com/report.pdf", "https://github.com/me/survey"]
    assert accepted.work_note == "The report and the cleaning scripts."
    content = response.content.decode()
    assert 'href="https://github.com/me/survey"' in content
    assert any("Your work is submitted" in m for m in messages_of(response))


def test_submit_work_with_a_bad_link_is_shown_at_the_field(login, student, listing):
    accepted = ApplicationFactory(student=student, listing=listing, status="accepted")

    response = login(student).post(
        url("submit_work", accepted), {"links": "my drive folder", "note": "Draft"}
    )

    page = Page(response.content.decode())
    assert response.status_code == 400
    assert "my drive folder" in page.by_id("id_links_error").clean_text
    assert page.find("textarea", name="links").clean_text == "my drive folder"
    assert refreshed(accepted).status == Application.Status.ACCEPTED


def test_submit_work_needs_a_link_or_a_note(login, student, listing):
    accepted = ApplicationFactory(student=student, listing=listing, status="accepted")

    response = login(student).post(url("submit_work", accepted), {"links": "", "note": " "})

    assert response.status_code == 400
    assert "Add at least one link" in response.content.decode()
    assert refreshed(accepted).status == Application.Status.ACCEPTED


def test_give_and_edit_feedback(login, student, listing):
    completed = ApplicationFactory(student=student, listing=listing, status="completed")
    client = login(student)

    client.post(url("feedback", completed), {"rating": "4", "comment": "Friendly team."})
    response = client.post(url("feedback", completed), {"rating": "5", "comment": "Great."})

    feedback = Feedback.objects.get(application=completed, author_role="student")
    assert (feedback.rating, feedback.comment) == (5, "Great.")
    page = Page(client.get(response.url).content.decode())
    fieldset = page.find("fieldset")
    assert "How was the experience?" in page.find("legend", within=fieldset).clean_text
    assert len(page.find_all("input", within=fieldset, type="radio")) == 5
    assert "You can change your feedback until" in page.find("main").clean_text


def test_feedback_is_final_after_the_edit_window(login, student, listing, settings):
    completed = ApplicationFactory(student=student, listing=listing, status="completed")
    Feedback.give(application=completed, author=student, rating=3, comment="Fine.")

    with time_machine.travel(timezone.now() + timedelta(days=settings.FEEDBACK_EDIT_DAYS + 1)):
        client = login(student)
        response = client.post(url("feedback", completed), {"rating": "1"}, follow=True)
        page = client.get(url("detail", completed)).content.decode()

    assert Feedback.objects.get(application=completed, author_role="student").rating == 3
    assert any("this one is final" in m for m in messages_of(response))
    assert "This feedback is final" in page
    assert url("feedback", completed) not in page


def test_feedback_rating_must_be_one_to_five(login, student, listing):
    completed = ApplicationFactory(student=student, listing=listing, status="completed")

    response = login(student).post(url("feedback", completed), {"rating": "7"})

    assert response.status_code == 400
    assert Page(response.content.decode()).by_id("id_rating_error")
    assert not Feedback.objects.exists()


def test_publish_and_hide_the_testimonial(login, student, employer, listing):
    completed = ApplicationFactory(student=student, listing=listing, status="completed")
    testimonial = employer_testimonial(completed, employer)
    client = login(student)

    page = Page(client.get(url("detail", completed)).content.decode())
    assert "Careful, fast and clear." in page.find("main").clean_text
    client.post(url("testimonial", completed), {"public": "1"})
    testimonial.refresh_from_db()
    assert testimonial.public is True

    client.post(url("testimonial", completed), {"public": "0"})
    testimonial.refresh_from_db()
    assert testimonial.public is False


FORBIDDEN = [
    ("withdraw", "accepted", {}, "accepted"),
    ("accept", "submitted", {}, "submitted"),
    ("accept", "declined", {}, "declined"),
    ("decline", "accepted", {}, "accepted"),
    ("decline", "withdrawn", {}, "withdrawn"),
    ("submit_work", "work_submitted", {"links": "https://example.com/v2"}, "work_submitted"),
    ("submit_work", "submitted", {"links": "https://example.com/v2"}, "submitted"),
    ("feedback", "accepted", {"rating": "5"}, "accepted"),
    ("testimonial", "completed", {"public": "1"}, "completed"),
]


@pytest.mark.parametrize(("action", "status", "data", "after"), FORBIDDEN)
def test_forbidden_actions_say_why_and_change_nothing(
    login, student, listing, action, status, data, after
):
    application = ApplicationFactory(student=student, listing=listing, status=status)
    events = application.events.count()

    response = login(student).post(url(action, application), data, follow=True)

    assert response.redirect_chain == [(url("detail", application), 302)]
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and all(str(m) for m in errors)
    assert refreshed(application).status == after
    assert application.events.count() == events
    assert not Feedback.objects.filter(application=application, author_role="student").exists()
