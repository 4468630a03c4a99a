"""queue_email: one row per dedupe_key, handed to delivery only after commit."""

from django.core import mail

from notifications.models import Notification
from notifications.outbox import queue_email


def test_queue_email_stores_one_pending_row(db, make_email):
    notification = make_email("welcome:1")

    assert notification is not None
    row = Notification.objects.get()
    assert row.pk == notification.pk
    assert row.status == Notification.Status.PENDING
    assert row.to_email == "ada@student.test"
    assert row.attempts == 0
    assert row.next_attempt_at is None


def test_same_dedupe_key_is_queued_once(db, make_email, student):
    first = make_email("welcome:1", recipient=student)
    second = make_email("welcome:1", recipient=student, subject="Hello again")

    assert first is not None
    assert second is None
    assert Notification.objects.count() == 1
    assert Notification.objects.get().subject == "Hello Ada"


def test_a_duplicate_does_not_break_the_callers_transaction(db, make_email, student):
    from django.db import transaction

    with transaction.atomic():
        make_email("welcome:1")
        make_email("welcome:1")
        # Still usable after the unique violation: it was contained in a savepoint.
        make_email("welcome:2")

    assert Notification.objects.count() == 2


def test_email_is_delivered_after_commit_exactly_once(
    db, make_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = make_email("welcome:1", body_html="<p>A <b>rich</b> hello.</p>")
        # Nothing leaves before the transaction commits.
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@student.test"]
    assert message.from_email == "MicroIntern <no-reply@microintern.example>"
    assert message.subject == "Hello Ada"
    assert message.body == "A plain hello."
    assert message.alternatives[0].content == "<p>A <b>rich</b> hello.</p>"
    assert message.alternatives[0].mimetype == "text/html"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 0


def test_rolled_back_email_is_never_sent(db, make_email, django_capture_on_commit_callbacks):
    from django.db import transaction

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_email("welcome:1")
                raise Abort
        except Abort:
            pass

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_duplicate_is_not_delivered_twice(db, make_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_email("welcome:1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert make_email("welcome:1") is None

    assert callbacks == []
    assert len(mail.outbox) == 1


def test_enqueue_false_leaves_the_row_to_the_sweep(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_email(
            to="ada@student.test",
            kind="test.hello",
            subject="Hello",
            body_text="Hi",
            dedupe_key="welcome:1",
            enqueue=False,
        )

    assert callbacks == []
    assert Notification.objects.get().status == Notification.Status.PENDING


def test_the_outbox_refuses_an_address_that_cannot_receive_mail(db):
    from notifications.outbox import queue_emails, undeliverable

    for address in ("deleted-9f@deleted.invalid", "someone@example.INVALID."):
        assert undeliverable(address)
        assert (
            queue_email(to=address, kind="test.x", subject="Hi", body_text="Hi", dedupe_key=address)
            is None
        )
    assert not undeliverable("ada@invalid-domain.example")
    emails = [
        {"to": to, "kind": "test.y", "subject": "Hi", "body_text": "Hi", "dedupe_key": to}
        for to in ("ada@student.test", "deleted-1@deleted.invalid")
    ]
    assert queue_emails(emails) == 1
    assert list(Notification.objects.values_list("to_email", flat=True)) == ["ada@student.test"]
