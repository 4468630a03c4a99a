"""Batched delivery and bulk queueing: one claim, one preference read and one connection per batch."""

from __future__ import annotations

import base64
import json
import smtplib
import threading
import time
from datetime import timedelta

import pytest
import redis
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import delivery, outbox, reminders
from notifications.delivery import STALE_SENDING_AFTER, deliver_batch, deliver_due, dispatch_due
from notifications.models import Category, Notification, NotificationPreference
from notifications.outbox import queue_email, queue_emails
from notifications.reminders import Reminder, register, run_and_deliver, run_rule
from tests.conftest import TEST_REDIS_URL
from tests.factories import StudentFactory

BACKEND = "tests.notifications.test_batches.RecordingBackend"


class RecordingBackend(LocmemBackend):
    """The locmem backend, counting opened connections; refuses or drops chosen addresses."""

    opened = 0
    closed = 0
    refuse: set[str] = set()
    drop: set[str] = set()
    open_error: Exception | None = None

    @classmethod
    def reset(cls) -> None:
        cls.opened, cls.closed, cls.refuse, cls.drop, cls.open_error = 0, 0, set(), set(), None

    def open(self) -> bool:
        if RecordingBackend.open_error is not None:
            raise RecordingBackend.open_error
        RecordingBackend.opened += 1
        return True

    def close(self) -> None:
        RecordingBackend.closed += 1

    def send_messages(self, messages) -> int:
        for message in messages:
            address = message.to[0]
            if address in RecordingBackend.refuse:
                # Temporary: the row keeps its attempts (a 5xx would fail it at once).
                raise smtplib.SMTPRecipientsRefused({address: (450, b"Mailbox busy")})
            if address in RecordingBackend.drop:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def backend(settings):
    settings.EMAIL_BACKEND = BACKEND
    RecordingBackend.reset()
    yield RecordingBackend
    RecordingBackend.reset()


def _rows(count: int, prefix: str = "b", **overrides) -> list[Notification]:
    return [
        queue_email(
            to=f"{prefix}{n}@student.test",
            kind="test.batch",
            subject=f"Hello {n}",
            body_text="A plain hello.",
            dedupe_key=f"{prefix}:{n}",
            enqueue=False,
            **overrides,
        )
        for n in range(count)
    ]


def _ids(rows: list[Notification]) -> list[int]:
    return [row.pk for row in rows]


def _statuses(rows: list[Notification]) -> list[str]:
    by_pk = dict(Notification.objects.values_list("pk", "status"))
    return [by_pk[row.pk] for row in rows]


# --- Claiming a batch ----------------------------------------------------------------------


def test_batch_claim_takes_due_pending_rows_once_in_the_given_order(db):
    rows = _rows(4)
    Notification.objects.filter(pk=rows[1].pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    Notification.objects.filter(pk=rows[2].pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=1)
    )
    Notification.objects.filter(pk=rows[3].pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )

    claimed = Notification.objects.claim_due([rows[3].pk, rows[0].pk, rows[1].pk, rows[2].pk])

    # Not due (1) and claimed elsewhere (2) are left out; a retry that fell due is taken.
    assert [row.pk for row in claimed] == [rows[3].pk, rows[0].pk]
    assert {row.status for row in claimed} == {"sending"}
    assert len({row.claimed_at for row in claimed}) == 1
    assert claimed[0].body_text == "A plain hello."  # whole rows, ready to send
    assert _statuses(rows) == ["sending", "pending", "sending", "sending"]
    assert Notification.objects.claim_due(_ids(rows)) == []


def test_a_batch_skips_rows_it_does_not_own_and_keeps_attempts(db, backend):
    rows = _rows(3)
    Notification.objects.filter(pk=rows[0].pk).update(attempts=2)
    other = Notification.claim(rows[1].pk)  # another worker is sending this one

    assert deliver_batch(_ids(rows)) == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["b0@student.test", "b2@student.test"]
    assert _statuses(rows) == ["sent", "sending", "sent"]
    rows[0].refresh_from_db()
    assert rows[0].attempts == 2  # a claim is not an attempt; only a failure counts
    assert other.mark_sent() is True


committed = pytest.mark.django_db(transaction=True, available_apps=["notifications"])


@committed
def test_a_batch_skips_rows_locked_by_a_concurrent_claim(backend):
    rows = _rows(3)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=rows[1].pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        assert deliver_batch(_ids(rows)) == 2
        assert time.monotonic() - started < 2  # skipped, not waited for
    finally:
        release.set()
        holder.join(timeout=10)

    assert _statuses(rows) == ["sent", "pending", "sent"]
    assert deliver_batch(_ids(rows)) == 1
    assert len(mail.outbox) == 3


# --- Sending a batch -----------------------------------------------------------------------


def test_one_connection_carries_the_whole_batch(db, backend):
    rows = _rows(5)

    assert deliver_batch(_ids(rows)) == 5

    assert (backend.opened, backend.closed) == (1, 1)
    assert len(mail.outbox) == 5
    assert _statuses(rows) == ["sent"] * 5
    assert None not in set(Notification.objects.values_list("sent_at", flat=True))


def _queries_of_a_batch(size: int, prefix: str) -> list[str]:
    people = StudentFactory.create_batch(size)
    for person in people[::2]:  # every other person turned reminders off
        NotificationPreference.set(user=person, category=Category.REMINDERS, enabled=False)
    rows = [
        queue_email(
            to=person.email,
            recipient=person,
            kind="test.nudge",
            category=Category.REMINDERS,
            subject="A nudge",
            body_text="Your deadline is close.",
            dedupe_key=f"{prefix}:{person.pk}",
            enqueue=False,
        )
        for person in people
    ]
    with CaptureQueriesContext(connection) as queries:
        deliver_batch(_ids(rows))
    assert _statuses(rows) == ["skipped", "sent"] * (size // 2)
    return [query["sql"] for query in queries.captured_queries]


def test_preferences_are_read_once_per_batch_whatever_its_size(db, backend):
    small = _queries_of_a_batch(4, "small")
    large = _queries_of_a_batch(12, "large")

    # The batch costs the same whatever its size, but for the one UPDATE that marks each
    # sent message as it is accepted (8 more people, 4 more emails sent).
    assert len(large) - len(small) == 4
    assert sum("notificationpreference" in sql for sql in large) == 1
    assert len(mail.outbox) == 8
    # The unsubscribe footer is rendered for the batch, with each person's own link.
    links = [m.extra_headers["List-Unsubscribe"].strip("<>") for m in mail.outbox]
    assert len(set(links)) == 8
    for message, link in zip(mail.outbox, links, strict=True):
        assert f"one click: {link}" in message.body


def test_a_refused_message_mid_batch_fails_alone(db, backend):
    rows = _rows(3)
    backend.refuse = {"b1@student.test"}
    before = timezone.now()

    assert deliver_batch(_ids(rows)) == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["b0@student.test", "b2@student.test"]
    assert _statuses(rows) == ["sent", "pending", "sent"]
    rows[1].refresh_from_db()
    assert rows[1].attempts == 1
    assert "SMTPRecipientsRefused" in rows[1].last_error
    assert rows[1].next_attempt_at >= before + timedelta(seconds=60)
    assert backend.opened == 1  # a refusal leaves the session usable


def test_sent_rows_are_marked_in_small_groups_while_the_batch_goes_on(db, backend, monkeypatch):
    # A worker killed mid-batch may send again only what the server took since the last group.
    monkeypatch.setattr(delivery, "MARK_SENT_EVERY", 2)
    rows = _rows(5)
    seen: list[list[str]] = []
    send = RecordingBackend.send_messages

    def watching(self, messages):
        seen.append(_statuses(rows))  # the outbox as the server takes each message
        return send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", watching)

    assert deliver_batch(_ids(rows)) == 5

    assert [states.count("sent") for states in seen] == [0, 0, 2, 2, 4]
    assert _statuses(rows) == ["sent"] * 5


def test_each_sent_row_is_marked_before_the_next_message_goes(db, backend, monkeypatch):
    # A worker killed mid-batch sends again at most the one message in flight.
    rows = _rows(4)
    seen: list[list[str]] = []
    send = RecordingBackend.send_messages

    def watching(self, messages):
        seen.append(_statuses(rows))
        return send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", watching)

    assert deliver_batch(_ids(rows)) == 4

    assert [states.count("sent") for states in seen] == [0, 1, 2, 3]
    assert [states.count("sending") for states in seen] == [4, 3, 2, 1]


def test_a_row_released_and_claimed_again_meanwhile_is_not_marked_by_the_first_batch(
    db, backend, monkeypatch
):
    # The sweep gave row 1 to another worker while this batch was sending row 0: the second
    # claim owns it now, and this batch's outcome no longer applies to it.
    rows = _rows(3)
    other_claim = timezone.now() + timedelta(minutes=5)
    send = RecordingBackend.send_messages

    def watching(self, messages):
        if messages[0].to == [rows[0].to_email]:
            Notification.objects.filter(pk=rows[1].pk).update(claimed_at=other_claim)
        return send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", watching)
    before = timezone.now()

    assert deliver_batch(_ids(rows)) == 3

    assert _statuses(rows) == ["sent", "sending", "sent"]
    for row in rows:
        row.refresh_from_db()
    assert rows[1].claimed_at == other_claim and rows[1].sent_at is None
    assert rows[0].sent_at >= before and rows[0].next_attempt_at is None


def test_marks_do_not_wait_for_the_disk_during_a_batch_only(db, backend, monkeypatch):
    from django.db import connection

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen: list[str] = []
    send = RecordingBackend.send_messages

    def watching(self, messages):
        seen.append(setting())
        return send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", watching)

    assert deliver_batch(_ids(_rows(2))) == 2

    assert seen == ["off", "off"]
    assert setting() == "on"


def test_an_invalid_address_is_never_sent_whoever_queued_it(db, backend):
    rows = _rows(2)
    # A row stored before the address went away (or written straight to the table).
    Notification.objects.filter(pk=rows[1].pk).update(to_email="deleted-1a2b@deleted.invalid")

    assert deliver_batch(_ids(rows)) == 1

    assert [m.to[0] for m in mail.outbox] == [rows[0].to_email]
    rows[1].refresh_from_db()
    assert rows[1].status == Notification.Status.SKIPPED
    assert "cannot receive mail" in rows[1].last_error


def test_a_dropped_connection_mid_batch_is_opened_again_for_the_rest(db, backend):
    rows = _rows(3)
    backend.drop = {"b1@student.test"}

    assert deliver_batch(_ids(rows)) == 2

    assert _statuses(rows) == ["sent", "pending", "sent"]
    assert backend.opened == 2


def test_a_connection_that_cannot_be_opened_reschedules_every_row(db, backend, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    rows = _rows(3)
    Notification.objects.filter(pk=rows[2].pk).update(attempts=1)
    backend.open_error = ConnectionRefusedError(111, "Connection refused")
    before = timezone.now()

    assert deliver_batch(_ids(rows)) == 0

    assert mail.outbox == []
    assert _statuses(rows) == ["pending", "pending", "failed"]  # the last ran out of attempts
    for row in rows[:2]:
        row.refresh_from_db()
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at >= before + timedelta(seconds=60)


def test_an_unreachable_smtp_server_reschedules_every_row(db, smtp_down):
    rows = _rows(3)

    assert deliver_batch(_ids(rows)) == 0

    assert _statuses(rows) == ["pending"] * 3
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_over_smtp_one_session_sends_the_batch(db, smtp_sink):
    rows = _rows(4)

    assert deliver_batch(_ids(rows)) == 4

    assert sorted(r for e in smtp_sink.envelopes for r in e.rcpt_tos) == sorted(
        row.to_email for row in rows
    )
    assert _statuses(rows) == ["sent"] * 4


def test_a_batch_out_of_time_returns_the_rows_it_did_not_try(db, backend, monkeypatch):
    monkeypatch.setattr(delivery, "SEND_BUDGET", timedelta(seconds=-1))
    rows = _rows(3)

    assert deliver_batch(_ids(rows)) == 0

    assert mail.outbox == []
    assert _statuses(rows) == ["pending"] * 3
    assert set(Notification.objects.values_list("attempts", flat=True)) == {0}
    assert deliver_due() == 0  # still out of time; nothing is lost, nothing counted


def test_a_worker_killed_mid_batch_leaves_rows_for_the_sweep(db, backend):
    rows = _rows(3)
    Notification.objects.claim_due(_ids(rows))  # claimed, then the worker died

    assert deliver_due() == 0
    assert _statuses(rows) == ["sending"] * 3

    with time_machine.travel(timezone.now() + STALE_SENDING_AFTER + timedelta(seconds=1)):
        assert deliver_due() == 3
    assert _statuses(rows) == ["sent"] * 3
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


# --- Queueing in bulk ----------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """Counts template renderings; every email renders as the same short text."""
    calls: list[str] = []

    def render(template, context):
        calls.append(context["name"])
        return f"Hello {context['name']}", "Body", ""

    monkeypatch.setattr(outbox, "render_email", render)
    return calls


@pytest.fixture
def rules():
    saved = dict(reminders._rules)
    reminders._rules.clear()
    yield lambda name, rule: register(name)(rule)
    reminders._rules.clear()
    reminders._rules.update(saved)


def _nudges(*names: str):
    def rule():
        for name in names:
            yield Reminder(
                to=f"{name}@student.test",
                kind="test.nudge",
                dedupe_key=f"test.nudge:{name}",
                template="test/nudge",
                context={"name": name},
            )

    return rule


def test_bulk_queueing_counts_new_rows_and_a_rerun_renders_nothing(db, rules, renders):
    queue_email(
        to="grace@student.test",
        kind="test.nudge",
        subject="Hi",
        body_text="x",
        dedupe_key="test.nudge:grace",
        enqueue=False,
    )
    rules("test.nudges", _nudges("ada", "grace", "alan", "ada"))

    assert run_rule("test.nudges") == 2
    assert renders == ["ada", "alan"]  # grace was already queued; ada is due once
    row = Notification.objects.get(dedupe_key="test.nudge:ada")
    assert (row.subject, row.category, row.status) == ("Hello ada", "reminders", "pending")

    assert run_rule("test.nudges") == 0
    assert renders == ["ada", "alan"]
    assert Notification.objects.count() == 3


def test_bulk_queueing_inserts_one_statement_per_batch(db, renders):
    emails = [
        {
            "to": f"s{n}@student.test",
            "kind": "test.nudge",
            "dedupe_key": f"k{n}",
            "template": "t",
            "context": {"name": str(n)},
        }
        for n in range(7)
    ]

    with CaptureQueriesContext(connection) as queries:
        assert queue_emails(emails, batch_size=3) == 7

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3
    assert all("ON CONFLICT" in sql for sql in inserts)


def test_bulk_queueing_counts_only_what_it_stored_when_a_key_appears_meanwhile(db, monkeypatch):
    # The key is stored after the batch was checked and before it is inserted (here while
    # the batch renders), as a concurrent run would: the INSERT leaves it out and the
    # count does not include it.
    def render(template, context):
        if context["name"] == "a":
            queue_email(
                to="b@student.test", kind="t", subject="meanwhile", body_text="x",
                dedupe_key="k:b", enqueue=False,
            )  # fmt: skip
        return f"Hello {context['name']}", "Body", ""

    monkeypatch.setattr(outbox, "render_email", render)
    emails = [
        {"to": f"{n}@student.test", "kind": "t", "dedupe_key": f"k:{n}", "template": "t",
         "context": {"name": n}}
        for n in "abc"
    ]  # fmt: skip

    assert queue_emails(emails) == 2

    assert Notification.objects.get(dedupe_key="k:b").subject == "meanwhile"
    assert Notification.objects.count() == 3


@committed
def test_concurrent_runs_count_each_new_row_once(renders):
    def emails(*names):
        return [
            {
                "to": f"{n}@student.test",
                "kind": "t",
                "dedupe_key": f"k:{n}",
                "template": "t",
                "context": {"name": n},
            }
            for n in names
        ]

    first_stored = threading.Event()
    counts: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                counts["first"] = queue_emails(emails("a", "b"))
                first_stored.set()
                time.sleep(0.5)  # the second run reaches its INSERT and waits for this one
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_stored.wait(timeout=10)
        # "b" is not committed yet: the check misses it, the INSERT waits and then skips it.
        counts["second"] = queue_emails(emails("b", "c"))
    finally:
        thread.join(timeout=10)

    assert counts == {"first": 2, "second": 1}
    assert Notification.objects.count() == 3


def test_a_rule_that_breaks_after_a_full_batch_leaves_nothing(db, rules, renders, monkeypatch):
    monkeypatch.setattr(outbox, "QUEUE_BATCH_SIZE", 2)

    def broken():
        yield from _nudges("ada", "grace", "alan")()
        raise RuntimeError("the rule has a bug")

    rules("test.broken", broken)

    with pytest.raises(RuntimeError):
        run_rule("test.broken")
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_with_a_stored_callback_each_batch_is_committed_and_kept_if_the_rule_breaks(
    rules, renders, monkeypatch
):
    monkeypatch.setattr(outbox, "QUEUE_BATCH_SIZE", 2)
    stored: list[list[int]] = []

    def broken():
        yield from _nudges("ada", "grace", "alan")()
        raise RuntimeError("the rule has a bug")

    rules("test.nudges", broken)

    with pytest.raises(RuntimeError):
        run_rule("test.nudges", stored=stored.append)

    # The full batch was committed and handed on; the half batch went with the error.
    assert [len(ids) for ids in stored] == [2]
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        "test.nudge:ada",
        "test.nudge:grace",
    }
    reminders.unregister("test.nudges")  # the bug is fixed
    rules("test.nudges", _nudges("ada", "grace", "alan"))
    renders.clear()
    assert run_rule("test.nudges", stored=stored.append) == 1
    assert renders == ["alan"]  # the next run renders only what is left


# --- Handing batches to the workers --------------------------------------------------------


def _published_batches() -> list[list[int]]:
    """The id lists of every deliver_batch task waiting in the test broker's queue."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    batches = []
    for raw in reversed(client.lrange("celery", 0, -1)):  # LPUSHed: oldest last
        message = json.loads(raw)
        assert message["headers"]["task"] == "notifications.tasks.deliver_batch"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        batches.append(args[0])
    client.close()
    return batches


def test_the_run_hands_batches_of_the_configured_size_to_the_workers(
    db, rules, renders, celery_async, settings, backend
):
    settings.NOTIFICATION_BATCH_SIZE = 2
    rows = _rows(3, prefix="left")  # other code's rows waiting for the sweep go too
    rules("test.nudges", _nudges("ada", "grace"))

    counts, handed = run_and_deliver()

    assert (counts, handed) == ({"test.nudges": 2}, 5)
    batches = _published_batches()
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(pk for batch in batches for pk in batch) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )
    assert mail.outbox == []  # the workers send them
    for batch in batches:
        deliver_batch(batch)
    assert _statuses(rows) == ["sent"] * 3
    assert len(mail.outbox) == 5
    assert backend.opened == 3


def test_the_run_hands_each_stored_batch_over_while_the_rule_goes_on(
    db, rules, renders, celery_async, settings, monkeypatch
):
    monkeypatch.setattr(outbox, "QUEUE_BATCH_SIZE", 2)
    settings.NOTIFICATION_BATCH_SIZE = 200
    published_before: list[int] = []

    def rule():
        yield from _nudges("ada", "grace", "alan")()
        # The first two are on the workers' queue before the rule has finished.
        published_before.append(len(_published_batches()))
        yield from _nudges("barbara", "edsger")()

    rules("test.nudges", rule)

    counts, handed = run_and_deliver()

    assert (counts, handed) == ({"test.nudges": 5}, 5)
    assert published_before == [1]
    batches = _published_batches()
    assert [len(batch) for batch in batches] == [2, 2, 1]  # each row handed over once
    assert sorted(pk for batch in batches for pk in batch) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )


def test_inline_tasks_deliver_the_batches_here(db, settings, backend, monkeypatch):
    settings.NOTIFICATION_BATCH_SIZE = 2
    _rows(5)
    sizes: list[int] = []
    real = delivery.deliver_batch
    monkeypatch.setattr(delivery, "deliver_batch", lambda ids: sizes.append(len(ids)) or real(ids))

    assert dispatch_due() == 5

    assert sizes == [2, 2, 1]
    assert len(mail.outbox) == 5
    assert backend.opened == 3


def test_with_the_broker_down_the_run_delivers_the_batches_itself(
    db, broker_down, settings, backend
):
    settings.NOTIFICATION_BATCH_SIZE = 2
    rows = _rows(3)

    assert dispatch_due() == 3

    assert _statuses(rows) == ["sent"] * 3
    assert backend.opened == 2


def test_the_sweep_sends_in_batches(db, settings, backend):
    settings.NOTIFICATION_BATCH_SIZE = 2
    _rows(5)

    assert deliver_due(limit=4) == 4
    assert backend.opened == 2
    assert deliver_due() == 1
