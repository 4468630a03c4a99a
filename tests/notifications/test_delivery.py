"""deliver and deliver_due: claimed once, sent once, failures retried with backoff."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from notifications import delivery
from notifications.delivery import (
    STALE_SENDING_AFTER,
    backoff,
    deliver,
    deliver_due,
    refused_for_good,
)
from notifications.models import Notification


def test_deliver_sends_once_and_marks_sent(db, make_email):
    notification = make_email()

    assert deliver(notification.pk) is True
    assert deliver(notification.pk) is False

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None


def test_deliver_ignores_rows_not_yet_due(db, make_email):
    notification = make_email()
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    assert deliver(notification.pk) is False
    assert deliver_due() == 0
    assert mail.outbox == []


def test_deliver_ignores_missing_rows(db):
    assert deliver(123456789) is False


def test_over_smtp_the_message_reaches_the_server(db, make_email, smtp_sink):
    notification = make_email(body_html="<p>Hello <b>Ada</b></p>")

    assert deliver(notification.pk) is True

    assert len(smtp_sink.envelopes) == 1
    envelope = smtp_sink.envelopes[0]
    assert envelope.rcpt_tos == ["ada@student.test"]
    assert envelope.mail_from == "no-reply@microintern.example"
    message = message_from_bytes(envelope.original_content)
    assert message["Subject"] == "Hello Ada"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_refused_message_is_scheduled_for_a_later_attempt(db, make_email, smtp_refusing):
    notification = make_email()
    before = timezone.now()

    assert deliver(notification.pk) is False

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "451" in notification.last_error
    assert before + timedelta(seconds=60) <= notification.next_attempt_at
    assert notification.next_attempt_at <= timezone.now() + timedelta(seconds=75)


def test_a_recipient_refused_for_good_fails_at_once_for_staff_to_see(
    db, make_email, smtp_rejecting
):
    notification = make_email()

    assert deliver(notification.pk) is False

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 1)
    assert notification.next_attempt_at is None
    assert "550" in notification.last_error
    assert "No such user" in notification.last_error


@pytest.mark.parametrize(
    ("error", "final"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.test": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.test": (450, b"Mailbox busy")}), False),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@x.test": (550, b"No such user"), "b@x.test": (452, b"Full")}
            ),
            False,
        ),
        (smtplib.SMTPDataError(554, b"Message rejected as spam"), True),
        (smtplib.SMTPDataError(451, b"Try again later"), False),
        # The site's own sender or login refused: fixed once in the settings, for every row.
        (smtplib.SMTPSenderRefused(550, b"Sender not allowed", "site@x.test"), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_only_a_permanent_refusal_of_the_message_is_final(error, final):
    assert refused_for_good(error) is final


def test_unreachable_server_is_retried_with_backoff_then_failed(
    db, make_email, smtp_down, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = make_email()
    start = timezone.now()

    assert deliver(notification.pk) is False
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in notification.last_error
    first_delay = notification.next_attempt_at - start
    assert timedelta(seconds=60) <= first_delay <= timedelta(seconds=76)

    # Not due yet: neither a redelivered task nor the sweep tries again early.
    assert deliver(notification.pk) is False
    assert deliver_due() == 0
    notification.refresh_from_db()
    assert notification.attempts == 1

    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1)):
        second_start = timezone.now()
        assert deliver_due() == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 2)
    second_delay = notification.next_attempt_at - second_start
    assert timedelta(seconds=120) <= second_delay <= timedelta(seconds=151)

    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1)):
        assert deliver_due() == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 3)
    assert notification.next_attempt_at is None
    assert "ConnectionRefusedError" in notification.last_error

    # Failed rows stay put until staff retry them.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert deliver_due() == 0
    assert Notification.objects.failed().count() == 1


def test_retry_puts_a_failed_row_back_and_it_is_sent(db, make_email, settings):
    notification = make_email()
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.FAILED, attempts=5, last_error="SMTPDataError: 451"
    )
    notification.refresh_from_db()

    notification.retry()

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 0
    assert notification.next_attempt_at is None
    assert notification.last_error == "SMTPDataError: 451"
    assert deliver_due() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", ["pending", "sending", "sent"])
def test_only_failed_rows_can_be_retried(db, make_email, status):
    notification = make_email()
    Notification.objects.filter(pk=notification.pk).update(
        status=status, claimed_at=timezone.now(), sent_at=timezone.now()
    )

    with pytest.raises(ValidationError):
        notification.retry()

    notification.refresh_from_db()
    assert notification.status == status


def test_backoff_doubles_with_jitter_and_is_capped():
    for attempts, base in [(1, 60), (2, 120), (3, 240), (4, 480)]:
        delays = {backoff(attempts).total_seconds() for _ in range(20)}
        assert all(base <= delay <= base * 1.25 for delay in delays)
        assert len(delays) > 1  # jittered
    assert backoff(30) <= delivery.BACKOFF_MAX * 1.25


def test_sweep_releases_rows_abandoned_while_sending(db, make_email):
    abandoned = make_email("a")
    recent = make_email("b")
    now = timezone.now()
    Notification.objects.filter(pk=abandoned.pk).update(
        status="sending", claimed_at=now - STALE_SENDING_AFTER - timedelta(seconds=1)
    )
    Notification.objects.filter(pk=recent.pk).update(
        status="sending", claimed_at=now - timedelta(minutes=1)
    )

    assert deliver_due() == 1

    abandoned.refresh_from_db()
    recent.refresh_from_db()
    assert abandoned.status == Notification.Status.SENT
    assert abandoned.attempts == 1  # the lost attempt counts
    assert "Abandoned" in abandoned.last_error
    assert recent.status == Notification.Status.SENDING  # a worker may still be on it
    assert [m.to for m in mail.outbox] == [["ada@student.test"]]


def test_a_row_that_keeps_killing_its_worker_ends_up_failed(db, make_email, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = make_email()
    Notification.objects.filter(pk=notification.pk).update(
        status="sending", attempts=2, claimed_at=timezone.now() - timedelta(hours=1)
    )

    assert deliver_due() == 0

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", 3)
    assert mail.outbox == []


def test_a_released_claim_cannot_record_its_outcome(db, make_email):
    """A worker that stalled past the stale limit does not overwrite the new claimant's work."""
    notification = make_email()
    stalled = Notification.claim(notification.pk)
    assert stalled is not None
    later = timezone.now() + STALE_SENDING_AFTER + timedelta(seconds=1)
    delivery.release_stale(now=later)
    current = Notification.claim(notification.pk, now=later)
    assert current is not None

    assert stalled.mark_sent() is False
    assert stalled.mark_attempt_failed(error="late", retry_at=later) is False
    assert current.mark_sent() is True

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.last_error.startswith("Abandoned")


def test_sweep_is_bounded_per_run(db, make_email):
    for n in range(5):
        make_email(f"k{n}")

    assert deliver_due(limit=3) == 3
    assert deliver_due(limit=3) == 2
    assert deliver_due(limit=3) == 0
    assert len(mail.outbox) == 5


# Tests that commit for real (threads, a worker). They flush only the outbox table afterwards,
# so the rest of the reused test database (groups and permissions from data migrations) survives.
committed = pytest.mark.django_db(transaction=True, available_apps=["notifications"])


def _in_threads(count: int, target) -> list:
    """Run target() in `count` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=5)
            results[index] = target()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors, errors
    return results


@committed
def test_concurrent_workers_send_a_row_once(make_email):
    # Committed for real; not handed to (inline) Celery, so the threads race for it.
    notification = make_email(enqueue=False)

    results = _in_threads(8, lambda: deliver(notification.pk))

    assert sorted(results) == [False] * 7 + [True]
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


@committed
def test_concurrent_sweeps_send_each_row_once(make_email, smtp_sink):
    rows = [make_email(f"k{n}", to=f"student{n}@student.test", enqueue=False) for n in range(6)]

    results = _in_threads(4, deliver_due)

    assert sum(results) == 6
    recipients = sorted(rcpt for e in smtp_sink.envelopes for rcpt in e.rcpt_tos)
    assert recipients == sorted(row.to_email for row in rows)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
