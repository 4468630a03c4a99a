from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import AlreadyApplied, Application, Feedback
from applications.tasks import expire_offers
from listings.models import Listing
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    ListingFactory,
    StudentFactory,
    UserFactory,
    pdf_upload,
)

S = Application.Status
pytestmark = pytest.mark.django_db

# Every transition method, the states it accepts and where it leads: the declaration.
TRANSITIONS = Application.TRANSITIONS
# Who calls each transition method: the student, the system, else the employer.
STUDENT_CALLS = {"accept", "decline", "withdraw", "submit_work"}
SYSTEM_CALLS = {"expire_offer"}
KWARGS = {
    "submit_work": {"links": ["https://example.org/report.pdf"], "note": "Done."},
    "request_revision": {"note": "Add the summary table."},
    "mark_incomplete": {"reason": "No work was delivered."},
}


def call(application, method, employer):
    kwargs = dict(KWARGS.get(method, {}))
    if method in STUDENT_CALLS:
        kwargs["by"] = application.student
    elif method not in SYSTEM_CALLS:
        kwargs["by"] = employer
    return getattr(application, method)(**kwargs)


@pytest.mark.parametrize(
    ("method", "from_status"),
    [(m, s) for m, transition in TRANSITIONS.items() for s in sorted(transition.source)],
)
def test_allowed_transition(method, from_status, employer, organization):
    application = ApplicationFactory(
        status=from_status, listing=ListingFactory(published=True, organization=organization)
    )
    call(application, method, employer)
    application.refresh_from_db()
    assert application.status == TRANSITIONS[method].target
    event = application.events.get()
    assert (event.from_status, event.to_status) == (from_status, TRANSITIONS[method].target)


@pytest.mark.parametrize(
    ("method", "from_status"),
    [(m, s) for m, transition in TRANSITIONS.items() for s in sorted(set(S) - transition.source)],
)
def test_forbidden_transition(method, from_status, employer, organization):
    application = ApplicationFactory(
        status=from_status, listing=ListingFactory(published=True, organization=organization)
    )
    if method == "mark_viewed":
        # Opening an application is not an error; it simply stays as it is.
        assert call(application, method, employer) is False
    else:
        with pytest.raises(ValidationError):
            call(application, method, employer)
    application.refresh_from_db()
    assert application.status == from_status
    assert not application.events.exists()


def test_what_the_student_can_do_next_follows_the_declaration():
    assert ApplicationFactory(status=S.OFFERED).allowed_transitions() == [
        "accept",
        "decline",
        "expire_offer",
        "withdraw",
    ]
    assert Application.transitions_from(S.WITHDRAWN) == []


def test_students_only_act_on_their_own_application(other_student):
    application = ApplicationFactory(status=S.OFFERED)
    for method in ["accept", "decline", "withdraw"]:
        with pytest.raises(ValidationError, match="Only the student"):
            getattr(application, method)(by=other_student)
    assert Application.objects.get(pk=application.pk).status == S.OFFERED


# --- Applying ------------------------------------------------------------------------------


def test_submit_copies_the_resume_and_tells_both_sides(student, employer, organization):
    listing = ListingFactory(published=True, organization=organization)
    application = Application.submit(
        listing=listing,
        student=student,
        pitch="  I build dashboards.  ",
        availability_confirmed=True,
        resume=pdf_upload(),
    )
    assert application.pitch == "I build dashboards."
    assert application.resume.name.startswith("applications/")
    with application.resume.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-")
    kinds = dict(Notification.objects.values_list("to_email", "kind"))
    assert kinds == {
        student.email: "applications.submitted",
        employer.email: "applications.received",
    }


def test_submit_uses_the_profile_resume_when_no_file_is_given(student):
    profile = student.student_profile
    profile.resume.save("cv.pdf", pdf_upload(), save=True)
    application = Application.submit(
        listing=ListingFactory(published=True),
        student=student,
        pitch="Hello",
        availability_confirmed=True,
    )
    assert application.resume.name != profile.resume.name
    assert application.resume.size == profile.resume.size


def test_second_application_returns_the_first(student):
    first = ApplicationFactory(student=student)
    with pytest.raises(AlreadyApplied) as error:
        Application.submit(
            listing=first.listing,
            student=student,
            pitch="again",
            availability_confirmed=True,
            resume=pdf_upload(),
        )
    assert error.value.application == first
    assert Application.objects.count() == 1


def test_database_refuses_a_duplicate_application(student):
    first = ApplicationFactory(student=student)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(listing=first.listing, student=student, pitch="x")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Listing.Status.CLOSED}, "no longer accepts"),
        ({"status": Listing.Status.SUBMITTED}, "no longer accepts"),
    ],
)
def test_only_open_listings_accept_applications(student, change, message):
    listing = ListingFactory(published=True)
    Listing.objects.filter(pk=listing.pk).update(**change)
    listing.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        Application.submit(
            listing=listing,
            student=student,
            pitch="x",
            availability_confirmed=True,
            resume=pdf_upload(),
        )


def test_deadline_is_checked_on_the_server(student):
    listing = ListingFactory(published=True)
    with time_machine.travel(listing.application_deadline + timedelta(days=1)):
        with pytest.raises(ValidationError, match="no longer accepts"):
            Application.submit(
                listing=listing,
                student=student,
                pitch="x",
                availability_confirmed=True,
                resume=pdf_upload(),
            )


def test_non_students_and_own_organization_cannot_apply(employer, organization):
    listing = ListingFactory(published=True, organization=organization)
    with pytest.raises(ValidationError, match="Only students"):
        Application.submit(
            listing=listing,
            student=UserFactory(),
            pitch="x",
            availability_confirmed=True,
            resume=pdf_upload(),
        )


def test_availability_and_resume_are_required(student):
    listing = ListingFactory(published=True)
    with pytest.raises(ValidationError) as error:
        Application.submit(
            listing=listing, student=student, pitch="x", availability_confirmed=False
        )
    assert "availability_confirmed" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Application.submit(listing=listing, student=student, pitch="x", availability_confirmed=True)
    assert "resume" in error.value.message_dict


# --- Openings ---------------------------------------------------------------------------------


def test_offers_cannot_exceed_the_openings(employer, organization):
    listing = ListingFactory(published=True, organization=organization, openings=1)
    first, second = ApplicationFactory.create_batch(2, listing=listing)
    first.offer(by=employer)
    with pytest.raises(ValidationError, match="opening"):
        second.offer(by=employer)
    first.decline(by=first.student)
    second.offer(by=employer)  # the opening is free again
    assert Application.objects.get(pk=second.pk).status == S.OFFERED


def test_filling_the_openings_closes_the_listing_and_tells_the_others(employer, organization):
    listing = ListingFactory(published=True, organization=organization, openings=1)
    chosen = ApplicationFactory(listing=listing)
    waiting = ApplicationFactory.create_batch(2, listing=listing)
    withdrawn = ApplicationFactory(listing=listing, status=S.WITHDRAWN)
    chosen.offer(by=employer)
    chosen.accept(by=chosen.student)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
    for application in waiting:
        application.refresh_from_db()
        assert application.status == S.NOT_SELECTED
        assert application.events.get().actor is None
        assert Notification.objects.filter(
            kind="applications.not_selected", recipient=application.student
        ).exists()
    assert Application.objects.get(pk=withdrawn.pk).status == S.WITHDRAWN


def test_cancelling_a_listing_leaves_no_one_waiting(employer, organization):
    listing = ListingFactory(published=True, organization=organization, openings=3)
    undecided = ApplicationFactory(listing=listing, status=S.SHORTLISTED)
    offered = ApplicationFactory(listing=listing, status=S.OFFERED)
    working = ApplicationFactory(listing=listing, status=S.ACCEPTED)
    listing.cancel(by=employer, note="Budget cut.")
    statuses = {
        a.pk: a.status
        for a in Application.objects.filter(pk__in=[undecided.pk, offered.pk, working.pk])
    }
    assert statuses == {
        undecided.pk: S.NOT_SELECTED,
        offered.pk: S.OFFER_EXPIRED,
        working.pk: S.INCOMPLETE,
    }
    assert "Budget cut." in Application.objects.get(pk=working.pk).employer_message


def test_closing_at_the_deadline_keeps_applications_for_the_employer_to_decide():
    listing = ListingFactory(published=True)
    application = ApplicationFactory(listing=listing)
    listing.close(by=None)
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_completing_a_listing_closes_the_undecided(employer, organization):
    listing = ListingFactory(closed=True, organization=organization)
    application = ApplicationFactory(listing=listing, status=S.VIEWED)
    listing.complete(by=employer)
    assert Application.objects.get(pk=application.pk).status == S.NOT_SELECTED


def test_offers_expire_after_their_response_time(employer, organization, settings):
    settings.OFFER_RESPONSE_DAYS = 3
    application = ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization)
    )
    application.offer(by=employer)
    assert expire_offers() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        with pytest.raises(ValidationError, match="expired"):
            Application.objects.get(pk=application.pk).accept(by=application.student)
        assert expire_offers() == 1
        assert expire_offers() == 0
    application.refresh_from_db()
    assert application.status == S.OFFER_EXPIRED


def test_mark_viewed_happens_once(employer):
    application = ApplicationFactory()
    assert application.mark_viewed(by=employer) is True
    assert application.mark_viewed(by=employer) is False
    assert application.events.count() == 1


def test_submit_work_needs_a_link_or_a_note():
    application = ApplicationFactory(status=S.ACCEPTED)
    with pytest.raises(ValidationError, match="link"):
        application.submit_work(by=application.student, links=["  "], note="")


# --- Feedback -----------------------------------------------------------------------------------


def completed(organization):
    return ApplicationFactory(
        status=S.COMPLETED, listing=ListingFactory(closed=True, organization=organization)
    )


def test_feedback_opens_at_completion_once_per_side(employer, organization):
    application = ApplicationFactory(
        status=S.WORK_SUBMITTED, listing=ListingFactory(published=True, organization=organization)
    )
    with pytest.raises(ValidationError, match="completed"):
        Feedback.give(application=application, author=employer, rating=5)
    application.complete(by=employer)
    Feedback.give(application=application, author=employer, rating=4, comment="Great work.")
    Feedback.give(application=application, author=employer, rating=5, comment="Excellent.")
    Feedback.give(application=application, author=application.student, rating=5)
    assert application.feedback.count() == 2
    assert application.feedback.get(author_role="employer").rating == 5


def test_feedback_edit_window_and_strangers(employer, organization, other_employer):
    application = completed(organization)
    with pytest.raises(ValidationError, match="Only the student and the organization"):
        Feedback.give(application=application, author=other_employer, rating=3)
    Feedback.give(application=application, author=employer, rating=3)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        with pytest.raises(ValidationError, match="final"):
            Feedback.give(application=application, author=employer, rating=5)
    assert application.feedback.get().rating == 3


def test_only_the_student_publishes_the_testimonial(employer, organization):
    application = completed(organization)
    testimonial = Feedback.give(application=application, author=employer, rating=5, comment="Ace")
    with pytest.raises(ValidationError):
        testimonial.set_public(by=employer, public=True)
    testimonial.set_public(by=application.student, public=True)
    assert Feedback.objects.public_testimonials().get() == testimonial


def test_organization_sees_student_ratings_only_as_an_average_of_three(employer, organization):
    for rating in [5, 4]:
        application = completed(organization)
        Feedback.give(application=application, author=application.student, rating=rating)
    assert Feedback.organization_rating(organization) is None
    application = completed(organization)
    Feedback.give(application=application, author=application.student, rating=3)
    assert Feedback.organization_rating(organization) == {"average": 4.0, "count": 3}


def test_next_step_tells_the_student_what_to_do():
    offer = ApplicationFactory(status=S.OFFERED)
    assert offer.next_step.text.startswith("Respond to the offer")
    assert offer.next_step.due == offer.offer_expires_at
    working = ApplicationFactory(status=S.ACCEPTED)
    assert working.next_step.due == working.listing.due_date
    assert ApplicationFactory(status=S.WITHDRAWN).next_step is None


def test_a_student_with_a_profile_can_apply_to_many_listings():
    student = StudentFactory()
    for listing in ListingFactory.create_batch(3, published=True):
        Application.submit(
            listing=listing,
            student=student,
            pitch="x",
            availability_confirmed=True,
            resume=pdf_upload(),
        )
    assert student.applications.count() == 3
