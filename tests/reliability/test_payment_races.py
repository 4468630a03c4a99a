"""Payments under the same faults as the other reminders and transitions: two reminder runs
at once (two beats), and the same answer sent many times at once (a double click)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from applications.models import Application, ApplicationEvent, PaymentStatus
from notifications.models import Notification
from notifications.reminders import run_rule
from tests.factories import ApplicationFactory, EmployerFactory, ListingFactory, StaffFactory
from tests.reliability.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)

PAYMENT_RULES = [
    "applications.payment",
    "applications.payment_confirm",
    "applications.payment_staff",
]


def test_reminder_runs_at_the_same_moment_store_each_payment_reminder_once():
    employer = EmployerFactory()
    StaffFactory()
    organization = employer.memberships.get().organization
    listing = ListingFactory(published=True, organization=organization)
    completed_at = timezone.now() - timedelta(days=10)
    for days_ago in [7, 14, 21]:
        ApplicationFactory(
            listing=listing,
            status=Application.Status.COMPLETED,
            completed_at=timezone.now() - timedelta(days=days_ago, hours=1),
        )
    recorded = ApplicationFactory(
        listing=listing, status=Application.Status.COMPLETED, completed_at=completed_at
    )
    with time_machine.travel(timezone.now() - timedelta(days=5)):
        recorded.record_payment(by=employer, paid_on=timezone.localdate(), amount=Decimal("50"))
    Notification.objects.all().delete()

    outcomes = race(6, lambda index: str(run_rule(PAYMENT_RULES[index % 3])))

    assert not [outcome for outcome in outcomes if not outcome.isdigit()], outcomes
    kinds = list(Notification.objects.values_list("kind", flat=True))
    # 7 and 14 days: the employer; 21 days: staff; recorded 5 days ago: the student.
    assert sorted(kinds) == sorted(
        [
            "applications.payment_due",
            "applications.payment_due",
            "applications.payment_staff",
            "applications.payment_confirm",
        ]
    )
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))


def test_a_payment_confirmed_twenty_times_at_once_is_confirmed_and_told_once():
    employer = EmployerFactory()
    organization = employer.memberships.get().organization
    application = ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization),
        status=Application.Status.COMPLETED,
    )
    application.record_payment(by=employer, paid_on=timezone.localdate(), amount=Decimal("80"))

    def confirm(index: int) -> str:
        fresh = Application.objects.select_related("listing__organization", "student").get(
            pk=application.pk
        )
        fresh.confirm_payment(by=fresh.student)
        return "confirmed"

    outcomes = race(20, confirm)

    assert outcomes == {"confirmed": 1, "refused": 19}
    events = ApplicationEvent.objects.filter(application=application, to_status=PaymentStatus.PAID)
    assert events.count() == 1
    assert Notification.objects.filter(kind="applications.payment_confirmed").count() == 1
