"""Two beat schedulers run at once against the same broker (a deploy that started a second).

Celery itself warns that two beats send every periodic task twice. Both beats here fire the
reminder run and the outbox sweep every couple of seconds (ops/faults/settings.py), to two
workers, while reminders are due and rows wait in the outbox. Every reminder must be stored
once (its dedupe_key) and every email sent once (the claim on the row).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import timedelta

from ops.faults.checks import Result, delivered_once
from ops.faults.data import make_students
from ops.faults.infra import wait_stable, wait_until

TITLE = "Two beats at once"
SAVERS = 30
PENDING = 30
RUN_FOR = 12.0


def run(stack) -> Result:
    from django.utils import timezone

    from listings.models import Listing, SavedListing
    from notifications.models import Notification
    from notifications.outbox import queue_email

    result = Result("two_beats", TITLE)
    sink = stack.sink
    baseline = stack.baseline()
    sink.delay = 0.02

    savers = make_students(SAVERS, prefix="beat")
    closing = Listing.objects.open().order_by("pk").first()
    Listing.objects.filter(pk=closing.pk).update(
        application_deadline=timezone.localdate() + timedelta(days=1)
    )
    for saver in savers:
        SavedListing.objects.create(user_id=saver.pk, listing=closing)
    for n in range(PENDING):  # left to the sweep, as when the broker was down at commit
        queue_email(
            to=f"waiting-{n}@students.faults.example",
            kind="faults.waiting",
            subject=f"Waiting message {n}",
            body_text="Left for the sweep.",
            dedupe_key=f"faults.waiting:{n}",
            enqueue=False,
        )

    # A completed engagement eight days ago with no payment recorded: its organization is due
    # the 7-day payment reminder, once per member, whatever the beats.
    from applications.models import Application, PaymentStatus

    unpaid = Application.objects.filter(status=Application.Status.COMPLETED).order_by("pk").first()
    Application.objects.filter(pk=unpaid.pk).update(
        payment_status=PaymentStatus.UNPAID,
        payment_recorded_at=None,
        completed_at=timezone.now() - timedelta(days=8),
    )

    workers = [stack.worker("beat-worker-1"), stack.worker("beat-worker-2")]
    beats = [
        stack.beat(name, DJANGO_SETTINGS_MODULE="ops.faults.settings")
        for name in ("beat-a", "beat-b")
    ]
    # On a busy machine a beat takes several seconds to start: the run counts from both up.
    wait_until(
        lambda: all("beat: Starting" in beat.log.read_text(errors="replace") for beat in beats),
        timeout=90,
        what="both beats started",
    )
    time.sleep(RUN_FOR)
    for beat in beats:
        beat.stop()
    wait_stable(lambda: len(sink.accepted), seconds=3, timeout=60, what="the workers' queue")

    received = Counter()
    for worker in workers:
        for task in re.findall(r"Task ([\w.]+)\[[^\]]+\] received", worker.log.read_text()):
            received[task.rsplit(".", 1)[-1]] += 1
    fired = Counter()
    for beat in beats:
        fired[beat.name] = beat.log.read_text().count("Scheduler: Sending due task")
    result.note(
        f"beats ran {RUN_FOR:.0f}s side by side and sent {dict(fired)} tasks; the workers ran "
        f"{dict(received)}"
    )
    result.check(all(fired.values()), "both beats sent tasks")
    rows = Notification.objects.filter(pk__gt=baseline)
    reminders = rows.filter(kind="listings.deadline", recipient__in=[s.pk for s in savers])
    result.check(
        reminders.count() == SAVERS,
        f"each due reminder stored once ({reminders.count()} rows for {SAVERS} people)",
    )
    payment_due = rows.filter(kind="applications.payment_due")
    members = unpaid.listing.organization.active_members().count()
    result.check(
        members > 0 and payment_due.count() == members,
        f"each payment reminder stored once ({payment_due.count()} rows for {members} members)",
    )
    # The demo engagement at its halfway check-in: each side asked once, whatever the beats.
    # Counted over the whole outbox: a beat of an earlier scenario may have asked already,
    # and then none of these beats may ask again.
    from messaging.models import check_in_open

    engagements = [
        a
        for a in Application.objects.filter(status__in=Application.IN_PROGRESS)
        if check_in_open(a)
    ]
    asked = sum(1 + a.listing.organization.members_to_tell().count() for a in engagements)
    check_ins = Notification.objects.filter(kind="messaging.check_in")
    result.check(
        bool(engagements) and check_ins.count() == asked,
        f"each check-in stored once ({check_ins.count()} rows for {asked} people)",
    )
    wait_until(
        lambda: not rows.filter(status__in=["pending", "sending"]).exists(),
        timeout=30,
        what="everything sent",
    )
    delivered_once(result, sink, rows)
    result.check(result.duplicates == 0, "no email sent twice")
    return result
