"""Many requests at the same moment on one listing: the database's locks and constraints hold.

Fifty employers' clicks on "offer" for a listing with two openings, then every student
answering at once; twenty submissions of the same application by one student (a double
click, a retrying browser). Threads start together at a barrier, each on its own database
connection, so the races are real. These tests commit for real; the flush afterwards is
followed by the post_migrate sync that recreates the Career center group.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from applications.models import AlreadyApplied, Application, ApplicationEvent
from listings.models import Listing
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    ListingFactory,
    StudentFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db(transaction=True)

Status = Application.Status
OFFER_RACERS = 50
APPLY_RACERS = 20
#: Each race must be over well within this many seconds.
RACE_TIMEOUT = 20


def race(count: int, attempt) -> Counter:
    """Run attempt(index) in `count` threads released together; a Counter of the outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = ["not run"] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=RACE_TIMEOUT)
            outcomes[index] = attempt(index)
        except AlreadyApplied:
            outcomes[index] = "already applied"
        except ValidationError:
            outcomes[index] = "refused"
        except Exception as error:  # any other failure is a bug: the test prints it
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(RACE_TIMEOUT - (time.monotonic() - started), 0.1))
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting"
    return Counter(outcomes)


def test_fifty_offers_on_two_openings_hold_two_then_two_accept():
    employer = EmployerFactory()
    organization = employer.memberships.get().organization
    listing = ListingFactory(organization=organization, published=True, openings=2)
    applications = ApplicationFactory.create_batch(OFFER_RACERS, listing=listing)
    pks = [application.pk for application in applications]

    def offer(index: int) -> str:
        application = Application.objects.select_related("listing__organization", "student").get(
            pk=pks[index]
        )
        application.offer(by=employer)
        return "offered"

    outcomes = race(OFFER_RACERS, offer)

    assert outcomes == Counter({"offered": 2, "refused": OFFER_RACERS - 2}), outcomes
    assert listing.applications.holding_openings().count() == 2
    offered = list(listing.applications.filter(status=Status.OFFERED))
    assert len(offered) == 2
    # Each offer was recorded once and told to its student once; the refused left no trace.
    assert ApplicationEvent.objects.filter(to_status=Status.OFFERED).count() == 2
    assert Notification.objects.filter(kind="applications.offered").count() == 2

    # Every student presses "accept" at the same moment: only the two with an offer can.
    def accept(index: int) -> str:
        application = Application.objects.select_related("listing__organization", "student").get(
            pk=pks[index]
        )
        application.accept(by=application.student)
        return "accepted"

    outcomes = race(OFFER_RACERS, accept)

    assert outcomes == Counter({"accepted": 2, "refused": OFFER_RACERS - 2}), outcomes
    assert listing.applications.filter(status=Status.ACCEPTED).count() == 2
    assert listing.applications.engaged().count() == 2
    assert ApplicationEvent.objects.filter(to_status=Status.ACCEPTED).count() == 2
    # The listing filled: it closed, and no one else is left waiting for a decision.
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
    assert listing.applications.undecided().count() == 0
    assert listing.applications.filter(status=Status.NOT_SELECTED).count() == OFFER_RACERS - 2


def test_twenty_simultaneous_applies_by_one_student_make_one_application(settings):
    employer = EmployerFactory()
    listing = ListingFactory(organization=employer.memberships.get().organization, published=True)
    student = StudentFactory()

    def apply(index: int) -> str:
        Application.submit(
            listing=Listing.objects.select_related("organization").get(pk=listing.pk),
            student=type(student).objects.select_related("student_profile").get(pk=student.pk),
            pitch=f"Attempt {index}: I would start with a short plan.",
            availability_confirmed=True,
            resume=pdf_upload(),
        )
        return "applied"

    outcomes = race(APPLY_RACERS, apply)

    assert outcomes == Counter({"applied": 1, "already applied": APPLY_RACERS - 1}), outcomes
    application = Application.objects.get(listing=listing, student=student)
    assert ApplicationEvent.objects.filter(application=application).count() == 1
    # One confirmation to the student, one "received" to the employer: nothing twice.
    assert (
        Notification.objects.filter(kind="applications.submitted", recipient=student).count() == 1
    )
    assert Notification.objects.filter(kind="applications.received").count() == 1
    # The losers' copies of the résumé were removed; only the application's own is left.
    stored = list((settings.MEDIA_ROOT / "applications").iterdir())
    assert [path.name for path in stored] == [application.resume.name.rsplit("/", 1)[-1]]
