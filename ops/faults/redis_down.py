"""Redis hangs, then dies, while students apply and a reminder run is sending.

Redis holds the cache, the rate-limit counters and Celery's queue; the outbox and sessions
live in PostgreSQL. So while Redis is gone the pages must still answer quickly (the cache
degrades to none, task publishing gives up fast), every application must be saved with its
notification rows left pending, and once Redis is back the sweep must send each row once.
Redis restarts empty (no persistence), so every task queued before the outage is gone too:
only the outbox can bring those messages back.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from ops.faults.checks import Result, delivered_once, partial_writes
from ops.faults.data import apply, make_students, open_listing_paths, request
from ops.faults.infra import WEB_PORT, wait_until

TITLE = "Redis down while students apply and reminders run"
STUDENTS = 12
#: Every page during the outage must answer within this many seconds.
PAGE_LIMIT = 1.0
#: ...except the first requests of each web process that find Redis hung: they wait for the
#: socket timeouts (cache 0.5 s, broker about 1 s per try); after that the process skips
#: Redis (5 s for the cache, 30 s for the broker) instead of waiting again.
FIRST_LIMIT = 3.5
WEB_PROCESSES = 2  # gunicorn.conf.py's default


def _visit(result: Result, student, path: str, timings: list[tuple[float, str]]) -> bool:
    """A student's path through the site to one application; True when it was saved."""
    steps = [
        ("GET", "/listings/?q=data", 200),
        ("GET", path, 200),
        ("GET", f"{path}apply/", 200),
    ]
    for method, url, expected in steps:
        reply = request(WEB_PORT, method, url, cookie=student.cookie)
        timings.append((reply.seconds, f"{method} {url}"))
        if reply.status != expected:
            result.check(False, f"{method} {url} answered {reply.status or reply.error}")
            return False
    reply = apply(WEB_PORT, student, path)
    timings.append((reply.seconds, f"POST {path}apply/"))
    if reply.status != 302 or "/applications/" not in reply.headers.get("location", ""):
        result.check(False, f"apply to {path} answered {reply.status or reply.error}")
        return False
    return True


def _children(pid: int) -> list[int]:
    """The direct child processes of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def run(stack) -> Result:
    from django.utils import timezone

    from listings.models import Listing, SavedListing
    from notifications.models import Notification
    from notifications.tasks import deliver_pending, send_reminders

    result = Result("redis_down", TITLE)
    sink = stack.sink
    baseline = stack.baseline()
    stack.web()
    worker = stack.worker()

    students = make_students(STUDENTS, prefix="redis")
    savers = make_students(6, prefix="saver")
    paths = open_listing_paths()
    # A listing closing within a day that six students saved: six deadline reminders are due.
    closing = Listing.objects.open().order_by("-pk").first()
    Listing.objects.filter(pk=closing.pk).update(
        application_deadline=timezone.localdate() + timedelta(days=1)
    )
    for saver in savers:
        SavedListing.objects.create(user_id=saver.pk, listing=closing)
    paths = [p for p in paths if p != closing.get_absolute_url()]

    # The reminder run starts through Celery, its SMTP server slow, and Redis hangs mid-run.
    sink.delay = 0.4
    send_reminders.delay()
    wait_until(lambda: sink.accepted, timeout=30, what="the reminder run's first email")
    os.kill(stack.redis.process.pid, signal.SIGSTOP)
    result.note("Redis hung (SIGSTOP) while the reminder run was sending")

    timings: list[tuple[float, str]] = []
    saved = 0
    for student, path in zip(students[:6], paths, strict=False):
        saved += _visit(result, student, path, timings)
    health = request(WEB_PORT, "GET", "/health/")
    result.check(
        health.status == 503 and '"redis": {"ok": false' in health.body,
        f"/health/ reports Redis down with 503 ({health.status}, {health.seconds:.2f}s)",
    )
    hung = list(timings)

    os.kill(stack.redis.process.pid, signal.SIGCONT)
    stack.redis.kill()
    result.note("Redis killed (SIGKILL): connections refused, its queue gone")
    for student, path in zip(students[6:], paths[6:], strict=False):
        saved += _visit(result, student, path, timings)
    refused = timings[len(hung) :]
    for label, part in (("hung", hung), ("refusing", refused)):
        slow = sorted(part, reverse=True)[:3]
        result.note(
            f"while Redis was {label}: {len(part)} requests, slowest "
            + ", ".join(f"{seconds:.2f}s {what}" for seconds, what in slow)
        )
    result.check(saved == STUDENTS, f"all {STUDENTS} applications saved ({saved})")
    ordered = sorted(seconds for seconds, _ in timings)
    slow = [seconds for seconds in ordered if seconds >= PAGE_LIMIT]
    median, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95) - 1]
    result.note(f"pages during the outage: median {median:.2f}s, p95 {p95:.2f}s")
    result.check(
        len(slow) <= 2 * WEB_PROCESSES and all(seconds < FIRST_LIMIT for seconds in slow),
        f"pages answered within {PAGE_LIMIT:.0f}s, but for the requests that found Redis "
        f"hung first (at most 2 per web process), bounded by the timeouts (< {FIRST_LIMIT}s): "
        f"{len(slow)} slower" + "".join(f", {seconds:.2f}s" for seconds in slow),
    )
    wait_until(
        lambda: not Notification.objects.filter(pk__gt=baseline, status="sending").exists(),
        timeout=30,
        what="the reminder run finishing",
    )
    reminders_sent = len(sink.accepted)
    rows = Notification.objects.filter(pk__gt=baseline)
    application_rows = rows.filter(kind__startswith="applications.")
    waiting = application_rows.filter(status=Notification.Status.PENDING).count()
    result.note(
        f"the reminder run went on without Redis and sent {reminders_sent} reminders; "
        f"{application_rows.count()} application emails stored, {waiting} pending"
    )
    result.check(
        waiting == application_rows.count(),
        "application emails wait in the outbox (none sent, none lost) while Redis is down",
    )

    # Celery may exit on its own here (see below); to prove the restart path every run, its
    # process is killed as such a crash would end it, leaving only its supervisor.
    celery = _children(worker.popen.pid)
    pool = [child for main in celery for child in _children(main)]
    for pid in [*celery, *pool]:
        os.kill(pid, signal.SIGKILL)
    result.note(
        f"Celery killed during the outage ({len(celery)} main process, {len(pool)} pool "
        "processes), as a crash would end it"
    )
    wait_until(lambda: "supervise: " in worker.log.read_text(errors="replace"), timeout=10)

    sink.delay = 0.0
    stack.redis.start()
    wait_until(
        lambda: (
            worker.log.read_text(errors="replace").count("Connected to redis") >= 2
            or not worker.alive()
        ),
        timeout=90,
        what="the worker reconnecting to Redis",
    )
    log = worker.log.read_text(errors="replace")
    crash = [line for line in log.splitlines() if "Unrecoverable" in line]
    restarts = log.count("supervise: ")
    if crash:
        # Seen with kombu 5.x: after the connection is lost with an acknowledgement pending,
        # restoring unacknowledged messages fails and Celery exits ("Unrecoverable error").
        result.note(f"Celery exited during the outage: {crash[-1]}")
    result.check(restarts >= 1, f"the supervisor started Celery again ({restarts} time(s))")
    result.check(worker.alive(), "the worker is still running after Redis came back")
    started = time.monotonic()
    deliver_pending.delay()  # the beat's every-minute sweep
    wait_until(
        lambda: not rows.filter(status__in=["pending", "sending"]).exists(),
        timeout=60,
        what="the sweep sending everything",
    )
    result.note(f"Redis back; the sweep sent the rest in {time.monotonic() - started:.1f}s")
    send_reminders.delay()  # the next reminder run finds nothing new to send
    deliver_pending.delay()
    time.sleep(3)
    delivered_once(result, sink, rows)
    result.check(result.duplicates == 0, "no email sent twice")
    broken = {name: n for name, n in partial_writes().items() if n}
    result.check(not broken, f"no half-written application {broken or ''}")
    return result
