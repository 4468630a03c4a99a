"""PostgreSQL crashes and comes back while visitors browse and students apply.

The server is stopped in "immediate" mode (what a crash or an OOM kill does: no checkpoint,
every connection cut, recovery from the WAL on start), kept down for a few seconds and
started again, under a steady mix of browsing and applying. Every answer meanwhile must be a
page: a success, or the 503 page with Retry-After; never a 500 or a dropped connection. The
site must recover without a restart of its own, and the database must hold no application
without its event and notification rows. Students whose apply got the 503 page send it
again afterwards, as the page asks them to.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from ops.faults.checks import Result, partial_writes
from ops.faults.data import apply, make_students, open_listing_paths, request
from ops.faults.infra import WEB_PORT

TITLE = "PostgreSQL restarted under load"
BROWSERS = 4
APPLIERS = 2
STUDENTS = 400
BEFORE, DOWN, AFTER = 5.0, 5.0, 8.0
#: After the server is back, pages must succeed again within this many seconds.
RECOVERY_LIMIT = 10.0


def run(stack) -> Result:
    from django.db import connection

    from applications.models import Application

    result = Result("postgres_restart", TITLE)
    stack.web()
    students = make_students(STUDENTS, prefix="pgrestart")
    paths = open_listing_paths()
    first_application = (
        Application.objects.order_by("-pk").values_list("pk", flat=True).first()
    ) or 0
    connection.close()  # this process must not keep a connection across the restart

    log: list[tuple[float, str, int, str, str]] = []  # (time, kind, status, detail, path)
    retry: list[tuple] = []
    queue = list(zip(students, [random.choice(paths) for _ in students], strict=True))
    lock = threading.Lock()
    stop_at = time.monotonic() + BEFORE + DOWN + AFTER
    origin = time.monotonic()

    def record(kind: str, reply, path: str = "") -> None:
        detail = reply.error
        if reply.status == 503:
            clean = "back in a moment" in reply.body and reply.headers.get("retry-after")
            detail = "clean" if clean else "not the 503 page"
        with lock:
            log.append((time.monotonic() - origin, kind, reply.status, detail, path))

    def browse() -> None:
        rng = random.Random()
        while time.monotonic() < stop_at:
            path = rng.choice(["/listings/", "/listings/?q=data", "/", rng.choice(paths)])
            record("browse", request(WEB_PORT, "GET", path, timeout=10))
            time.sleep(0.05)

    def applying() -> None:
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    return
                student, path = queue.pop()
            reply = apply(WEB_PORT, student, path)
            record("apply", reply, path)
            if reply.status == 503:
                with lock:
                    retry.append((student, path))
            time.sleep(0.1)

    threads = [threading.Thread(target=browse) for _ in range(BROWSERS)]
    threads += [threading.Thread(target=applying) for _ in range(APPLIERS)]
    for thread in threads:
        thread.start()
    time.sleep(BEFORE)
    stack.postgres.stop("immediate")
    down_at = time.monotonic() - origin
    result.note(f"PostgreSQL stopped (immediate) at {down_at:.1f}s under load")
    time.sleep(DOWN)
    stack.postgres.start()
    up_at = time.monotonic() - origin
    result.note(f"PostgreSQL started again at {up_at:.1f}s")
    for thread in threads:
        thread.join(timeout=BEFORE + DOWN + AFTER + 30)

    statuses = Counter((kind, status, detail) for _, kind, status, detail, _ in log)
    for (kind, status, detail), count in sorted(statuses.items()):
        result.note(f"{kind:6} {status or 'no answer'} {detail}: {count}")
    bad = [
        entry for entry in log if entry[2] not in (200, 302, 503) or entry[3] == "not the 503 page"
    ]
    result.check(not bad, f"every answer was a page or the clean 503 page ({len(bad)} were not)")
    during = [entry for entry in log if down_at <= entry[0] <= up_at]
    result.check(
        any(entry[2] == 503 for entry in during),
        f"requests during the outage got the 503 page ({sum(e[2] == 503 for e in during)})",
    )
    recovered = [entry[0] for entry in log if entry[0] > up_at and entry[2] in (200, 302)]
    recovery = (min(recovered) - up_at) if recovered else float("inf")
    late_failures = [e for e in log if e[0] > up_at + RECOVERY_LIMIT and e[2] not in (200, 302)]
    result.note(f"first success {recovery:.2f}s after the start; after that:")
    result.check(
        recovery < RECOVERY_LIMIT, f"the site recovered by itself within {RECOVERY_LIMIT:.0f}s"
    )
    result.check(not late_failures, f"no failure once recovered ({len(late_failures)})")

    # Students who got the 503 page send their application again, as it asks.
    again = Counter()
    for student, path in retry:
        reply = apply(WEB_PORT, student, path)
        again[reply.status] += 1
    if retry:
        result.note(f"{len(retry)} students sent again after the 503 page: {dict(again)}")
    result.check(set(again) <= {302}, "every resent application went through (or was found)")

    from django.db.models import Count

    applied = [entry for entry in log if entry[1] == "apply"]
    accepted = sum(entry[2] == 302 for entry in applied) + again[302]
    stored = Application.objects.filter(pk__gt=first_application).count()
    result.note(
        f"apply requests {len(applied)} (+{len(retry)} resent); answered 302: {accepted}; "
        f"applications stored: {stored}"
    )
    result.check(
        stored == accepted, "every application answered with success is stored, and only those"
    )
    broken = {name: n for name, n in partial_writes(since=first_application).items() if n}
    result.check(not broken, f"no half-written application (SQL) {broken or ''}")
    twice = Application.objects.values("listing", "student").annotate(n=Count("pk")).filter(n__gt=1)
    result.check(not twice.exists(), "no student has two applications to one listing")
    result.lost = max(accepted - stored, 0)
    return result
