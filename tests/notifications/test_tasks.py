"""Delivery through Celery for real: a broker that is down, and a worker on the test Redis."""

from __future__ import annotations

import time
import uuid

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connections, transaction

from notifications.delivery import deliver_due
from notifications.models import Notification
from notifications.tasks import deliver_notification, deliver_pending

# Tests that commit for real (threads, a worker). They flush only the outbox table afterwards,
# so the rest of the reused test database (groups and permissions from data migrations) survives.
committed = pytest.mark.django_db(transaction=True, available_apps=["notifications"])


@committed
def test_queue_email_returns_quickly_when_redis_is_down(broker_down, make_email):
    started = time.monotonic()
    with transaction.atomic():
        notification = make_email()
    elapsed = time.monotonic() - started

    assert notification is not None
    assert elapsed < 3
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert mail.outbox == []

    # The sweep (beat's deliver_pending, or send_reminders) sends it later.
    assert deliver_due() == 1
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


@committed
def test_queue_email_is_bounded_when_redis_hangs(broker_hangs, make_email):
    started = time.monotonic()
    with transaction.atomic():
        notification = make_email()
    elapsed = time.monotonic() - started

    # Bounded by the broker's socket timeouts in settings (a connect and one retry).
    assert elapsed < 5
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert deliver_due() == 1


def test_tasks_are_thin_and_idempotent(db, make_email):
    notification = make_email()

    assert deliver_notification.delay(notification.pk).get() is True
    assert deliver_notification.delay(notification.pk).get() is False
    assert deliver_pending.delay().get() == 0
    assert len(mail.outbox) == 1


def _route_tasks(app, routes) -> None:
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached property built from the old routes


@pytest.fixture
def worker(celery_async, monkeypatch):
    """A real Celery worker in this process, consuming a queue of its own on the test Redis.

    The queue is unique so that no other test run's worker on the same Redis takes the task.
    """
    # Celery's Django fixup runs every system check when a worker starts; `manage.py check`
    # covers those, and here they would only slow the start.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    queue = f"test-notifications-{uuid.uuid4().hex[:8]}"
    app = celery_async
    _route_tasks(app, {"notifications.tasks.*": {"queue": queue}})

    def close_connections(**kwargs):
        # The worker thread's own database connection must not outlive the test.
        connections.close_all()

    signals.task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]) as running:
            yield running
    finally:
        signals.task_postrun.disconnect(close_connections)
        _route_tasks(app, None)


@committed
def test_a_real_worker_delivers_after_commit(worker, make_email):
    with transaction.atomic():
        notification = make_email()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.status == Notification.Status.SENT:
            break
        time.sleep(0.05)

    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@student.test"]
