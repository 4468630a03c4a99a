"""The reminder fan-out: COUNT reminders queued and delivered by a real Celery worker.

Run by the runner with DJANGO_SETTINGS_MODULE=ops.bench.settings against a seeded database:
  1. renders the COUNT emails once in this process (the baseline: the work that cannot be
     avoided),
  2. starts a Celery worker (`--concurrency 2`, as in the Procfile) and sends it the
     production task `send_reminders`, which runs the registered rule (the benchmark's
     only one), queues what it found and hands the rows to `deliver_batch` tasks, which
     send them to a backend that counts in Redis; the task returns before the batches
     are sent, so the run lasts until the rule's last row is sent (its last `sent_at`),
  3. sends the task again: every reminder is already in the outbox, so nothing is sent.
The rule's rows from an earlier run are deleted first, so a reused database works.
Bounded by BENCH_FANOUT_SECONDS: a first run still going then is stopped, and the time it
would have taken is projected from the delivery pace so far (reported as not finished).
Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 90


def start_worker() -> subprocess.Popen:
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(celery),
            "-A",
            "microintern",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-fanout-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_worker(app, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"The Celery worker exited: {worker.stderr.read()[-2000:]}")
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("The Celery worker did not answer within the time allowed.")


def stop_worker(worker: subprocess.Popen, *, cold: bool = False) -> None:
    """Stop the worker: warm (finish the task in hand) or cold (drop it, out of time)."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGQUIT if cold else signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_until_drained(rows, deadline: float) -> bool:
    """Wait until none of these outbox rows is pending or sending; False when out of time."""
    while rows.filter(status__in=["pending", "sending"]).exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def main() -> None:
    import django

    django.setup()
    from celery.exceptions import TimeoutError as CeleryTimeout
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from microintern.celery import app
    from notifications.delivery import deliver_due
    from notifications.models import Notification
    from notifications.outbox import render_email
    from notifications.tasks import send_reminders
    from ops.bench import mail, reminders

    deadline = time.monotonic() + float(os.environ.get("BENCH_FANOUT_SECONDS", "900"))
    # 1. The baseline: render the same emails, nothing else (data fetched beforehand).
    due = list(reminders.fanout_reminders())
    render_email(due[0].template, due[0].context)  # compile the templates once
    started = time.perf_counter()
    for reminder in due:
        render_email(reminder.template, {**reminder.context})
    render_seconds = time.perf_counter() - started

    # An earlier run's rows go (a reused database), then whatever the demo data left in
    # the outbox is sent first, so that the run sends only these.
    rows = Notification.objects.filter(kind=reminders.RULE)
    rows.delete()
    deliver_due(limit=None)

    worker = start_worker()
    finished, rerun = False, None
    try:
        wait_for_worker(app, worker)
        mail.reset()
        # 2. The first run: queue, then the batches deliver (after the task has returned).
        started_at, started = timezone.now(), time.perf_counter()
        task = send_reminders.apply_async(ignore_result=False)
        try:
            first = task.get(timeout=max(deadline - time.monotonic(), 1))
            task_seconds = time.perf_counter() - started
            finished = wait_until_drained(rows, deadline)
        except CeleryTimeout:
            first, task_seconds = {}, None
        measured_seconds = time.perf_counter() - started
        sent, distinct = mail.counts()
        connections = mail.connections()
        by_status = dict(rows.values_list("status").annotate(n=Count("pk")))
        span = rows.aggregate(
            queued_from=Min("created_at"),
            queued_to=Max("created_at"),
            sent_to=Max("sent_at"),
        )
        # 3. The second run: everything is in the outbox already, so it must send nothing.
        if finished and deadline - time.monotonic() > 10:
            started = time.perf_counter()
            try:
                second = send_reminders.apply_async(ignore_result=False).get(
                    timeout=max(deadline - time.monotonic(), 1)
                )
                wait_until_drained(rows, deadline)
                rerun = {
                    "seconds": round(time.perf_counter() - started, 2),
                    "queued": second.get(reminders.RULE, 0),
                    "sent": mail.counts()[0] - sent,
                }
            except CeleryTimeout:
                rerun = None
    finally:
        stop_worker(worker, cold=not finished)

    def seconds(start, end) -> float | None:
        return round((end - start).total_seconds(), 2) if start and end else None

    queue_seconds = seconds(span["queued_from"], span["queued_to"])
    deliver_seconds = seconds(span["queued_to"], span["sent_to"])
    if finished:
        # From the task's start to the last row sent.
        projected = seconds(started_at, span["sent_to"]) or measured_seconds
    elif sent and queue_seconds is not None and deliver_seconds is not None:
        # Out of time: the rows sent so far went at this pace (from the task's start).
        projected = seconds(started_at, span["sent_to"]) * len(due) / sent
    else:
        projected = measured_seconds
    result = {
        "reminders": len(due),
        "finished": finished,
        "render_seconds": round(render_seconds, 2),
        "fanout_seconds": round(projected, 2),
        "measured_seconds": round(measured_seconds, 2),
        "task_seconds": task_seconds and round(task_seconds, 2),
        "ratio": round(projected / render_seconds, 2),
        "queue_seconds": queue_seconds,
        "deliver_seconds": deliver_seconds,
        "queued": first.get(reminders.RULE, by_status and sum(by_status.values())),
        "sent": sent,
        "duplicates": sent - distinct,
        "mail_connections": connections,
        "outbox": by_status,
        "rerun_seconds": rerun and rerun["seconds"],
        "rerun_queued": rerun and rerun["queued"],
        "rerun_sent": rerun and rerun["sent"],
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
