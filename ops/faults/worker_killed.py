"""A Celery worker is killed (SIGKILL) in the middle of a batch of deliveries.

A batch of emails is handed to Celery as the reminder run hands them (`dispatch`: one
`deliver_batch` task, one mail connection) to a worker whose SMTP server takes a moment per
message; when a third of it is out, the worker and its pool children are killed with no
chance to clean up, at the worst moment: the SMTP server has just taken a message and its
"250 OK" is not yet on its way. A new worker takes the rest of the queue; the rows the dead
worker had claimed stay in `sending` until the sweep finds them stale (STALE_SENDING_AFTER,
ten minutes: here the sweep is run as it would run then) and sends them. Each email must
arrive exactly once, with one documented exception: the message in flight when the worker
died (accepted by the server, its row not yet marked sent) arrives twice. Each row is
marked sent as soon as its message is accepted, so that is at most one message.
"""

from __future__ import annotations

import time

from ops.faults.checks import Result, delivered_once
from ops.faults.infra import wait_stable, wait_until

TITLE = "Celery worker killed mid-batch"
BATCH = 150
KILL_AFTER = 50


def run(stack) -> Result:
    from django.db import transaction
    from django.utils import timezone

    from notifications.delivery import STALE_SENDING_AFTER, dispatch, release_stale
    from notifications.models import Notification
    from notifications.outbox import queue_email
    from notifications.tasks import deliver_pending

    result = Result("worker_killed", TITLE)
    sink = stack.sink
    baseline = stack.baseline()
    sink.delay = 0.05
    worker = stack.worker("worker-1")

    with transaction.atomic():
        for n in range(BATCH):
            queue_email(
                to=f"batch-{n}@students.faults.example",
                kind="faults.batch",
                subject=f"Batch message {n}",
                body_text=f"Message {n} of the batch.",
                dedupe_key=f"faults.batch:{n}",
                enqueue=False,
            )
    rows = Notification.objects.filter(pk__gt=baseline)

    def kill_now(accepted: int) -> None:
        if accepted == KILL_AFTER:
            worker.kill9()

    sink.on_accept = kill_now
    tasks = dispatch(rows.order_by("pk").values_list("pk", flat=True))
    result.note(f"{tasks} rows handed to the worker in deliver_batch tasks")
    wait_until(lambda: not worker.alive(), timeout=90, what="the worker killed mid-batch")
    sink.on_accept = None
    time.sleep(0.5)  # the sink finishes answering into the dead connection
    accepted_at_kill = set(sink.accepted)
    by_status = {}
    for status in ("sent", "sending", "pending"):
        by_status[status] = rows.filter(status=status).count()
    # Rows the server accepted but the dead worker never marked sent: the duplicate window.
    window = [
        row
        for row in rows.filter(status="sending")
        if (row.to_email, row.subject) in accepted_at_kill
    ]
    result.note(
        f"worker killed (SIGKILL) after the sink accepted {len(accepted_at_kill)} of {BATCH}: "
        f"rows sent {by_status['sent']}, sending {by_status['sending']}, "
        f"pending {by_status['pending']}; accepted but not marked sent: {len(window)}"
    )

    stack.worker("worker-2")
    wait_stable(lambda: len(sink.accepted), seconds=3, timeout=90, what="the new worker's queue")
    # Tasks the dead worker had reserved stay unacknowledged in Redis until the broker's
    # visibility timeout (an hour); their rows are still pending and the sweep sends them.
    stuck = rows.filter(status="sending").count()
    result.note(f"the new worker drained the queue; {stuck} rows still in 'sending'")
    later = timezone.now() + STALE_SENDING_AFTER + STALE_SENDING_AFTER / 10
    released = release_stale(later)
    result.note(f"the sweep, run as it would run {STALE_SENDING_AFTER} later, released {released}")
    deliver_pending.delay()
    wait_until(
        lambda: not rows.filter(status__in=["pending", "sending"]).exists(),
        timeout=60,
        what="everything sent",
    )
    time.sleep(1)
    delivered_once(result, sink, rows)
    result.note(
        f"duplicates: {result.duplicates} (the documented window held {len(window)} rows at "
        "the kill)"
    )
    result.check(
        result.duplicates <= len(window),
        "no duplicate beyond the documented SMTP window",
    )
    result.check(result.duplicates <= 1, "at most one message sent twice")
    return result
