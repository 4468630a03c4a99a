"""Redis down or hung: students still apply quickly, and the outbox sends each email once later.

Redis holds the cache, rate-limit counters and Celery's queue; the applications and their
emails are rows in PostgreSQL. The full scenario with real processes (a hung, then killed
Redis during a reminder run, with gunicorn and a worker) is `make faults`, redis_down.
"""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from applications.models import Application
from notifications.delivery import deliver_due
from notifications.models import Notification
from tests.factories import ListingFactory, MembershipFactory, StudentFactory, pdf_upload
from tests.notifications.conftest import (  # noqa: F401 - fixtures used by name
    broker_down,
    broker_hangs,
    celery_async,
    free_port,
    make_email,
)

#: Every page must answer within this many seconds while Redis is unreachable.
PAGE_LIMIT = 1.0


@pytest.fixture
def redis_gone(settings, broker_down):  # noqa: F811 - the imported fixture
    """The cache and the Celery broker both point at a port where nothing listens."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": dead},
    }
    settings.REDIS_URL = dead


@pytest.mark.django_db(transaction=True)
def test_students_apply_while_redis_is_down_and_each_email_is_sent_once_later(
    client, redis_gone, django_capture_on_commit_callbacks
):
    listing = ListingFactory(published=True)
    MembershipFactory(organization=listing.organization)
    students = StudentFactory.create_batch(3)
    timings = {}

    for student in students:
        client.force_login(student)
        for url in [
            reverse("listings:list") + "?q=data",
            listing.get_absolute_url(),
            reverse("applications:apply", kwargs={"slug": listing.slug}),
        ]:
            started = time.monotonic()
            assert client.get(url).status_code == 200, url
            timings[url] = max(timings.get(url, 0), time.monotonic() - started)
        started = time.monotonic()
        response = client.post(
            reverse("applications:apply", kwargs={"slug": listing.slug}),
            {
                "pitch": "I would start with a plan.",
                "availability_confirmed": "on",
                "resume": pdf_upload(),
            },
        )
        timings["apply"] = max(timings.get("apply", 0), time.monotonic() - started)
        assert response.status_code == 302

    assert max(timings.values()) < PAGE_LIMIT, timings
    assert Application.objects.filter(listing=listing).count() == 3
    rows = Notification.objects.filter(kind__startswith="applications.")
    # A confirmation for each student and a notice for the employer, all waiting.
    assert rows.count() == 6
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.PENDING}
    assert mail.outbox == []

    # Redis back: the sweep sends each row once, and a second sweep finds nothing.
    assert deliver_due() == 6
    assert deliver_due() == 0
    assert len(mail.outbox) == 6
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        rows.values_list("to_email", "subject")
    )


@pytest.mark.django_db(transaction=True, available_apps=["notifications"])
def test_a_hung_broker_costs_one_request_its_timeout_not_every_request(broker_hangs, make_email):  # noqa: F811
    timings = []
    for n in range(4):
        started = time.monotonic()
        with transaction.atomic():
            make_email(f"hung:{n}", to=f"student{n}@student.test")
        timings.append(time.monotonic() - started)

    # The first hand-over waits for the broker's socket timeout; the next ones skip it.
    assert timings[0] < 3, timings
    assert max(timings[1:]) < 0.2, timings
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    assert deliver_due() == 4
    assert len(mail.outbox) == 4
