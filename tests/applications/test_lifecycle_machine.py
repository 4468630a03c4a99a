"""Random sequences over one listing and its applicants, checked after every step.

A Hypothesis state machine applies, offers, accepts, declines, withdraws, finishes work,
changes the openings, closes, cancels, removes, completes, deletes accounts and lets days
pass (running the periodic tasks, as beat would). After each step:

- the students hired never outnumber the openings (nor do offers out plus hires);
- no application waits for a decision on a closed listing past its decide-by date, and no
  offer is left open past decide-by plus the response time;
- a listing that ended (cancelled, removed, completed) leaves no application open;
- every application in a final state has exactly one email to its student saying so
  (students who deleted their account have no address left and are not written to).

The normal suite runs a bounded number of sequences; `make faults` runs many more
(LIFECYCLE_MACHINE_EXAMPLES, LIFECYCLE_MACHINE_STEPS) and prints how many were tried.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from applications.models import Application
from applications.privacy import delete_student_account
from applications.tasks import close_undecided_past_decide_by, complete_past_due, expire_offers
from listings.models import Listing
from listings.tasks import close_past_deadline, remove_long_suspended
from notifications.models import Notification
from tests.factories import (
    EmployerFactory,
    ListingFactory,
    StaffFactory,
    StudentFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

S = Application.Status
STUDENTS = 4
EXAMPLES = int(os.environ.get("LIFECYCLE_MACHINE_EXAMPLES", "12"))
STEPS = int(os.environ.get("LIFECYCLE_MACHINE_STEPS", "25"))
#: The email that tells the student an application reached each final state.
FINAL_NOTICE = {
    S.NOT_SELECTED: "applications.not_selected",
    S.OFFER_EXPIRED: "applications.offer_expired",
    S.DECLINED: "applications.declined",
    S.WITHDRAWN: "applications.withdrawn",
    S.INCOMPLETE: "applications.incomplete",
    S.COMPLETED: "applications.completed",
}
ENDED = {Listing.Status.CANCELLED, Listing.Status.REMOVED, Listing.Status.COMPLETED}
TALLY = {"sequences": 0, "steps": 0, "checks": 0}
student_index = st.integers(min_value=0, max_value=STUDENTS - 1)


def attempt(action) -> bool:
    """Run one action; a refusal (ValidationError) is a normal outcome, not a failure."""
    try:
        action()
    except ValidationError:
        return False
    return True


class ListingLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        TALLY["sequences"] += 1
        # Each sequence runs in a savepoint of its own, rolled back at its end.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = time_machine.travel(timezone.now(), tick=False)
        self._now = self._clock.start()
        self.employer = EmployerFactory()
        self.staff = StaffFactory()
        organization = self.employer.employer_organizations().get()
        self.listing = ListingFactory(organization=organization, published=True, openings=2)
        self.students = [StudentFactory() for _ in range(STUDENTS)]
        self.deleted: set[int] = set()

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- Helpers ----------------------------------------------------------------------

    def _listing(self) -> Listing:
        return Listing.objects.select_related("organization").get(pk=self.listing.pk)

    def _application(self, index: int) -> Application | None:
        if index in self.deleted:
            return None
        return (
            Application.objects.filter(listing=self.listing, student=self.students[index])
            .select_related("listing__organization", "student")
            .first()
        )

    def _step(self) -> None:
        TALLY["steps"] += 1

    # --- Rules ------------------------------------------------------------------------

    @rule(index=student_index)
    def apply(self, index: int) -> None:
        self._step()
        if index in self.deleted:
            return
        attempt(
            lambda: Application.submit(
                listing=self._listing(),
                student=self.students[index],
                pitch="I would start with a short plan.",
                availability_confirmed=True,
                resume=pdf_upload(),
            )
        )

    @rule(index=student_index)
    def offer(self, index: int) -> None:
        self._step()
        if application := self._application(index):
            attempt(lambda: application.offer(by=self.employer))

    @rule(index=student_index)
    def accept(self, index: int) -> None:
        self._step()
        if application := self._application(index):
            attempt(lambda: application.accept(by=application.student))

    @rule(index=student_index)
    def decline(self, index: int) -> None:
        self._step()
        if application := self._application(index):
            attempt(lambda: application.decline(by=application.student))

    @rule(index=student_index)
    def withdraw(self, index: int) -> None:
        self._step()
        if application := self._application(index):
            attempt(lambda: application.withdraw(by=application.student))

    @rule(index=student_index)
    def finish_work(self, index: int) -> None:
        self._step()
        if application := self._application(index):
            student = application.student
            if attempt(lambda: application.submit_work(by=student, links=["https://x.test/w"])):
                attempt(lambda: application.complete(by=self.employer))

    @rule(openings=st.integers(min_value=1, max_value=4))
    def change_openings(self, openings: int) -> None:
        """What the employer's form allows: never below the offers out and the hires."""
        self._step()
        listing = self._listing()
        if listing.status in Listing.EDITABLE_STATES and openings >= listing.openings_taken():
            Listing.objects.filter(pk=listing.pk).update(openings=openings)

    @rule()
    def close(self) -> None:
        self._step()
        attempt(lambda: self._listing().close(by=self.employer))

    @rule()
    def cancel(self) -> None:
        self._step()
        attempt(lambda: self._listing().cancel(by=self.employer, note="The budget is gone."))

    @rule()
    def remove(self) -> None:
        self._step()
        listing = self._listing()
        if attempt(lambda: listing.suspend(by=self.staff, reason="other")):
            attempt(lambda: listing.remove(by=self.staff, reason="other"))

    @rule()
    def complete(self) -> None:
        self._step()
        attempt(lambda: self._listing().complete(by=self.employer))

    @rule(index=student_index)
    def delete_account(self, index: int) -> None:
        self._step()
        if index not in self.deleted:
            delete_student_account(self.students[index])
            self.deleted.add(index)

    @rule(days=st.integers(min_value=1, max_value=30))
    def days_pass(self, days: int) -> None:
        """Time goes by; the periodic tasks run as beat runs them."""
        self._step()
        self._now.shift(timedelta(days=days))
        close_past_deadline()
        expire_offers()
        remove_long_suspended()
        close_undecided_past_decide_by()
        complete_past_due()

    # --- Invariants -------------------------------------------------------------------

    @invariant()
    def hires_fit_the_openings(self) -> None:
        TALLY["checks"] += 1
        listing = self._listing()
        applications = Application.objects.filter(listing=listing)
        assert applications.engaged().count() <= listing.openings
        assert applications.holding_openings().count() <= listing.openings

    @invariant()
    def nobody_waits_past_the_decide_by_date(self) -> None:
        listing = self._listing()
        applications = Application.objects.filter(listing=listing)
        today = timezone.localdate()
        if listing.status == Listing.Status.CLOSED and today > listing.decide_by:
            assert not applications.undecided().exists()
        offer_days = timedelta(days=django_settings.OFFER_RESPONSE_DAYS)
        if listing.status == Listing.Status.CLOSED and today > listing.decide_by + offer_days:
            assert not applications.filter(status=S.OFFERED).exists()
        assert not applications.offers_past_expiry().exists()
        if listing.status in ENDED:
            assert not applications.unsettled().exists(), listing.status

    @invariant()
    def every_final_state_is_told_once(self) -> None:
        for application in Application.objects.filter(
            listing=self.listing, status__in=Application.FINAL, student__is_active=True
        ).select_related("student"):
            emails = Notification.objects.filter(
                recipient=application.student,
                kind=FINAL_NOTICE[application.status],
                link=application.get_absolute_url(),
            )
            assert emails.count() == 1, (application.status, list(emails))
            assert "@" in emails.get().to_email
            assert not emails.get().to_email.endswith(".invalid")


def test_random_sequences_keep_every_promise(capsys):
    before = dict(TALLY)
    ListingLifecycle.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        derandomize=EXAMPLES <= 20,  # the normal suite runs the same sequences every time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    ListingLifecycle.TestCase().runTest()
    sequences = TALLY["sequences"] - before["sequences"]
    steps = TALLY["steps"] - before["steps"]
    checks = TALLY["checks"] - before["checks"]
    with capsys.disabled():
        sys.stdout.write(
            f"\nlifecycle machine: {sequences} sequences, {steps} steps, "
            f"invariants checked {checks} times, 0 broken\n"
        )
    assert sequences >= 1 and steps >= sequences
