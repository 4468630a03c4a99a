"""Every way a listing ends decides for each open application and tells its student.

Path by path: removed, rejected after an edit, cancelled, suspended too long, closed at the
deadline (then the decide-by date), completed (by the employer, by staff, by the task),
the last opening taken, and a student deleting their account.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.privacy import delete_student_account
from applications.tasks import close_undecided_past_decide_by, complete_past_due
from listings.models import Listing
from listings.tasks import close_past_deadline, remove_long_suspended
from notifications.models import Notification
from tests.factories import ApplicationFactory, ListingFactory, StaffFactory, StudentFactory
from tests.listings.test_admin_employer import edit_data

pytestmark = pytest.mark.django_db

S = Application.Status


def notices(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person).order_by("pk"))


def one_notice(person, kind: str) -> Notification:
    found = [n for n in notices(person) if n.kind == kind]
    assert len(found) == 1, [n.kind for n in notices(person)]
    return found[0]


@pytest.fixture
def applicants(organization):
    """One application in each open state on one published listing with three openings."""
    listing = ListingFactory(organization=organization, published=True, openings=3)
    return {
        status: ApplicationFactory(listing=listing, status=status)
        for status in (S.SUBMITTED, S.VIEWED, S.OFFERED, S.ACCEPTED)
    }


def statuses(applicants) -> dict[str, str]:
    return {before: Application.objects.get(pk=a.pk).status for before, a in applicants.items()}


SETTLED = {
    S.SUBMITTED: S.NOT_SELECTED,
    S.VIEWED: S.NOT_SELECTED,
    S.OFFERED: S.OFFER_EXPIRED,
    S.ACCEPTED: S.INCOMPLETE,
}
STUDENT_KIND = {
    S.NOT_SELECTED: "applications.not_selected",
    S.OFFER_EXPIRED: "applications.offer_expired",
    S.INCOMPLETE: "applications.incomplete",
}


def assert_each_student_told_once(applicants, words: str) -> None:
    for before, application in applicants.items():
        notice = one_notice(application.student, STUDENT_KIND[SETTLED[before]])
        assert words in notice.body_text
        # Addressed to the student, never about them in the third person.
        assert f"The offer to {application.student.display_name}" not in notice.body_text


def test_removing_a_listing_settles_every_application(applicants, staff):
    listing = applicants[S.SUBMITTED].listing
    listing.suspend(by=staff, reason="other")
    listing.remove(by=staff, reason="other", note="Not a real company.")

    assert statuses(applicants) == SETTLED
    assert_each_student_told_once(applicants, "The career center took down")
    offered = one_notice(applicants[S.OFFERED].student, "applications.offer_expired")
    assert offered.subject.startswith("Your offer for")
    assert "Your offer from" in offered.body_text


def test_rejecting_an_edited_listing_settles_its_applications(applicants, staff):
    listing = applicants[S.SUBMITTED].listing
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.SUBMITTED)
    listing.refresh_from_db()
    listing.reject(by=staff, reason="other", note="The new pay is too low.")

    assert statuses(applicants) == SETTLED
    assert_each_student_told_once(applicants, "did not accept the changes")


def test_cancelling_speaks_to_the_offered_student(applicants, employer):
    listing = applicants[S.SUBMITTED].listing
    listing.cancel(by=employer, note="The grant fell through.")

    assert statuses(applicants) == SETTLED
    assert_each_student_told_once(applicants, "cancelled the project: The grant fell through.")
    offered = applicants[S.OFFERED]
    body = one_notice(offered.student, "applications.offer_expired").body_text
    assert f"Your offer from {listing.organization}" in body
    # The organization still reads about the student by name.
    employer_notice = one_notice(employer, "applications.offer_expired")
    assert f"The offer to {offered.student.display_name}" in employer_notice.body_text


def test_a_listing_suspended_too_long_is_removed_and_its_applicants_told(applicants, staff):
    listing = applicants[S.SUBMITTED].listing
    listing.suspend(by=staff, reason="other")
    assert remove_long_suspended() == 0

    later = timezone.now() + timedelta(days=settings.SUSPENSION_DECIDE_DAYS, hours=1)
    with time_machine.travel(later, tick=False):
        assert remove_long_suspended() == 1

    listing.refresh_from_db()
    assert listing.status == Listing.Status.REMOVED
    assert listing.events.first().actor is None
    assert statuses(applicants) == SETTLED
    assert_each_student_told_once(applicants, "took down")


def test_closing_at_the_deadline_tells_the_waiting_by_when_they_hear(organization):
    listing = ListingFactory(organization=organization, published=True)
    waiting = ApplicationFactory(listing=listing, status=S.VIEWED)
    offered = ApplicationFactory(listing=listing, status=S.OFFERED)
    decide_by = listing.decide_by
    assert waiting.next_step.text.endswith("applications close on")

    with time_machine.travel(listing.deadline_at + timedelta(hours=1), tick=False):
        assert close_past_deadline() == 1
        waiting.refresh_from_db()
        step = waiting.next_step

    assert step.text == f"Applications are closed; {organization} decides by"
    assert step.due == decide_by
    notice = one_notice(waiting.student, "listings.closed_to_applicants")
    assert decide_by.strftime("%-d %B %Y") in notice.body_text
    assert notice.category == "application_updates"
    assert not notices(offered.student)  # an offer is already a decision


def test_the_students_page_says_by_when_the_organization_decides(login, organization):
    listing = ListingFactory(organization=organization, closed=True)
    application = ApplicationFactory(listing=listing, status=S.SUBMITTED)
    page = login(application.student).get(reverse("applications:list")).content.decode()
    assert "decides by" in page
    assert "applications close on" not in page


def test_undecided_applications_close_at_the_decide_by_date(organization, employer):
    listing = ListingFactory(organization=organization, published=True)
    undecided = ApplicationFactory(listing=listing, status=S.SHORTLISTED)
    decided = ApplicationFactory(listing=listing, status=S.OFFERED)
    listing.close(by=employer)
    on_the_day = timezone.make_aware(
        timezone.datetime.combine(listing.decide_by, timezone.datetime.min.time())
    )

    with time_machine.travel(on_the_day + timedelta(hours=12), tick=False):
        assert close_undecided_past_decide_by() == 0  # the decide-by day itself is theirs
    with time_machine.travel(on_the_day + timedelta(days=1, hours=1), tick=False):
        assert close_undecided_past_decide_by() == 1
        assert close_undecided_past_decide_by() == 0

    undecided.refresh_from_db()
    assert undecided.status == S.NOT_SELECTED
    body = one_notice(undecided.student, "applications.not_selected").body_text
    assert f"did not decide by {listing.decide_by:%-d %B %Y}" in body
    assert "did not select your application" not in body
    decided.refresh_from_db()
    assert decided.status == S.OFFERED


def test_completing_waits_for_work_in_progress_then_settles_the_rest(organization, employer):
    listing = ListingFactory(organization=organization, closed=True, openings=2)
    working = ApplicationFactory(listing=listing, status=S.WORK_SUBMITTED)
    waiting = ApplicationFactory(listing=listing, status=S.SUBMITTED)
    offered = ApplicationFactory(listing=listing, status=S.OFFERED)

    with pytest.raises(Exception, match="1 engagement still in progress"):
        listing.complete(by=employer)
    working.complete(by=employer)
    listing.refresh_from_db()
    listing.complete(by=employer)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.COMPLETED
    assert Application.objects.get(pk=waiting.pk).status == S.NOT_SELECTED
    assert Application.objects.get(pk=offered.pk).status == S.OFFER_EXPIRED
    assert "is completed" in one_notice(waiting.student, "applications.not_selected").body_text


def test_the_employer_completes_a_project_from_its_admin_page(login, employer, organization):
    listing = ListingFactory(organization=organization, closed=True)
    waiting = ApplicationFactory(listing=listing, status=S.VIEWED)
    url = reverse("employer:listings_listing_step", args=[listing.pk, "complete"])
    client = login(employer)
    page = client.get(reverse("employer:listings_listing_change", args=[listing.pk]))
    assert url in page.content.decode()

    response = client.post(url, {"apply": "1", "note": ""})

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.COMPLETED
    assert Application.objects.get(pk=waiting.pk).status == S.NOT_SELECTED


def test_staff_complete_a_project_from_the_staff_admin(login, organization):
    staff = StaffFactory()
    listing = ListingFactory(organization=organization, closed=True)
    url = reverse("admin:listings_listing_step", args=[listing.pk, "complete"])

    response = login(staff).post(url, {"apply": "1", "note": "Confirmed with the employer."})

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Listing.Status.COMPLETED
    assert listing.events.first().actor == staff


def test_the_task_completes_projects_past_due_with_nothing_open(organization):
    done = ListingFactory(organization=organization, closed=True)
    ApplicationFactory(listing=done, status=S.COMPLETED)
    left_waiting = ApplicationFactory(listing=done, status=S.SUBMITTED)
    busy = ListingFactory(organization=organization, closed=True)
    ApplicationFactory(listing=busy, status=S.ACCEPTED)

    assert complete_past_due() == 0  # not due yet
    with time_machine.travel(done.due_date + timedelta(days=1, hours=12), tick=False):
        assert complete_past_due() == 1

    done.refresh_from_db()
    busy.refresh_from_db()
    assert (done.status, busy.status) == (Listing.Status.COMPLETED, Listing.Status.CLOSED)
    assert Application.objects.get(pk=left_waiting.pk).status == S.NOT_SELECTED


def test_when_the_last_opening_is_taken_other_offers_are_withdrawn_with_an_apology(
    organization,
):
    listing = ListingFactory(organization=organization, published=True, openings=2)
    first = ApplicationFactory(listing=listing, status=S.OFFERED)
    second = ApplicationFactory(listing=listing, status=S.OFFERED)
    waiting = ApplicationFactory(listing=listing, status=S.SUBMITTED)
    # Openings lowered outside the form (the form refuses it): one offer too many.
    Listing.objects.filter(pk=listing.pk).update(openings=1)

    first.accept(by=first.student)

    second.refresh_from_db()
    assert second.status == S.OFFER_EXPIRED
    apology = one_notice(second.student, "applications.offer_expired").body_text
    assert "We are sorry: the last opening was taken before you answered" in apology
    assert Application.objects.get(pk=waiting.pk).status == S.NOT_SELECTED
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED


def test_openings_cannot_go_below_offers_and_hires(login, employer, organization):
    listing = ListingFactory(organization=organization, published=True, openings=3)
    ApplicationFactory(listing=listing, status=S.OFFERED)
    ApplicationFactory(listing=listing, status=S.ACCEPTED)
    url = reverse("employer:listings_listing_change", args=[listing.pk])
    client = login(employer)

    response = client.post(url, edit_data(listing, openings="1"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["openings"]
    assert errors == [
        "2 students have an offer or a place on this project already, so it needs at least 2 "
        "openings. To have fewer, wait for an offer to be answered or to expire first."
    ]
    listing.refresh_from_db()
    assert listing.openings == 3
    response = client.post(url, edit_data(listing, openings="2"))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.openings == 2


# --- A student deletes their account ---------------------------------------------------------


def test_deleting_an_account_ends_its_open_applications_and_tells_each_organization(
    organization, employer
):
    student = StudentFactory(first_name="Jonas", last_name="Lindqvist")
    states = [S.VIEWED, S.OFFERED, S.ACCEPTED, S.COMPLETED]
    mine = {
        status: ApplicationFactory(
            student=student,
            status=status,
            listing=ListingFactory(organization=organization, published=True),
        )
        for status in states
    }
    Notification.objects.create(
        recipient=student,
        to_email=student.email,
        kind="applications.project_due",
        subject="Due soon",
        body_text="Due soon.",
        dedupe_key="queued-before-deletion",
    )

    delete_student_account(student)

    after = {status: Application.objects.get(pk=a.pk) for status, a in mine.items()}
    assert {status: a.status for status, a in after.items()} == {
        S.VIEWED: S.WITHDRAWN,
        S.OFFERED: S.WITHDRAWN,
        S.ACCEPTED: S.INCOMPLETE,
        S.COMPLETED: S.COMPLETED,  # kept for the organization's records
    }
    # Without the person's name.
    assert after[S.COMPLETED].student.get_full_name() == "Deleted student"
    told = notices(employer)
    withdrew = [n for n in told if n.kind == "applications.withdrawn"]
    assert len(withdrew) == 2
    assert all(n.subject.startswith("An applicant withdrew from") for n in withdrew)
    assert not any("Jonas" in n.subject + n.body_text for n in told)
    assert [n.kind for n in told if n.kind == "applications.left"] == ["applications.left"]
    # Nothing is left queued for, or will ever be sent to, the deleted address.
    assert not Notification.objects.filter(dedupe_key="queued-before-deletion").exists()
    assert not Notification.objects.filter(to_email__endswith=".invalid").exists()


def test_reminders_never_reach_a_deleted_student(organization, employer):
    from notifications.delivery import deliver_due
    from notifications.reminders import run_and_deliver

    student = StudentFactory()
    listing = ListingFactory(organization=organization, closed=True)
    application = ApplicationFactory(listing=listing, student=student, status=S.COMPLETED)
    Application.objects.filter(pk=application.pk).update(
        completed_at=timezone.now() - timedelta(days=3)
    )
    delete_student_account(student)

    run_and_deliver()
    deliver_due(limit=None)

    assert not Notification.objects.filter(to_email__endswith=".invalid").exists()


def test_only_the_latest_suspension_counts_towards_removal(organization, staff):
    listing = ListingFactory(organization=organization, published=True)
    long_ago = timezone.now() - timedelta(days=settings.SUSPENSION_DECIDE_DAYS + 5)
    with time_machine.travel(long_ago, tick=False):
        listing.suspend(by=staff, reason="other")
        listing.reinstate(by=staff)
    listing.suspend(by=staff, reason="other")  # suspended again today

    assert remove_long_suspended() == 0
    listing.refresh_from_db()
    assert listing.status == Listing.Status.SUSPENDED
