"""The mail server refuses: first "451 try later", then "550 rejected"; then a closed port.

Every temporary failure (451, a closed port) must go back to the queue with a growing,
jittered delay, and after NOTIFICATION_MAX_ATTEMPTS the row must be marked failed; a
permanent refusal (550) marks it failed at once. Failed rows show up for staff at /staff/
under "delivery problem: failed". The delays between attempts are real minutes; the run
does not wait for them: before each sweep it checks the delay that was set, then moves the
row's next attempt to now, as the clock would.
"""

from __future__ import annotations

from ops.faults.checks import Result
from ops.faults.infra import free_port

TITLE = "SMTP refusing (451, 550, closed port)"
ROWS = 8


def _queue(prefix: str, count: int) -> list[int]:
    from notifications.outbox import queue_email

    return [
        queue_email(
            to=f"{prefix}-{n}@students.faults.example",
            kind=f"faults.{prefix}",
            subject=f"{prefix} message {n}",
            body_text="A message the mail server will not take.",
            dedupe_key=f"faults.{prefix}:{n}",
            enqueue=False,
        ).pk
        for n in range(count)
    ]


def _attempts(result: Result, ids: list[int], modes: list[str], sink) -> None:
    """One sweep per mode; checks the row state and the backoff after each."""
    from django.conf import settings
    from django.utils import timezone

    from notifications.delivery import BACKOFF_BASE, BACKOFF_MAX, deliver_due
    from notifications.models import Notification

    rows = Notification.objects.filter(pk__in=ids)
    for attempt, mode in enumerate(modes, start=1):
        if sink is not None:
            sink.mode = mode
        before = timezone.now()
        sent = deliver_due(limit=None)
        # A 550 refuses the message for good: failed at once, whatever attempts are left.
        last = attempt == settings.NOTIFICATION_MAX_ATTEMPTS or mode == "550"
        states = set(rows.values_list("status", "attempts"))
        expected = {("failed" if last else "pending", attempt)}
        delays = [
            (row.next_attempt_at - before).total_seconds()
            for row in rows.all()
            if row.next_attempt_at is not None
        ]
        floor = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX).total_seconds()
        ok = sent == 0 and states == expected
        if not last:
            ok = (
                ok
                and len(delays) == len(ids)
                and all(floor <= d <= floor * 1.25 + 5 for d in delays)
            )
            spread = f"next attempt in {min(delays):.0f}-{max(delays):.0f}s" if delays else ""
        else:
            spread = "marked failed"
        error = rows.first().last_error.split(":", 1)[0]
        result.check(ok, f"attempt {attempt} ({mode}): {error}; {spread}")
        # Time passes: the rows fall due now instead of in a few minutes.
        rows.filter(status="pending").update(next_attempt_at=timezone.now())


def run(stack) -> Result:
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User
    from notifications.models import Notification

    result = Result("smtp_refusing", TITLE)
    sink = stack.sink
    attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    refused = _queue("refused", ROWS)
    result.note(
        f"{ROWS} emails to a server answering 451 twice (temporary), then 550 (permanent: "
        f"failed at once, though {attempts} attempts are allowed)"
    )
    modes = ["451", "451", "550"]
    _attempts(result, refused, modes, sink)
    result.note(f"the server was asked {sum(sink.refused.values())} times: {dict(sink.refused)}")

    closed = _queue("closed", ROWS // 2)
    with override_settings(EMAIL_PORT=free_port()):
        result.note(f"{len(closed)} emails to a port where nothing listens")
        _attempts(result, closed, ["closed port"] * attempts, None)

    failed = Notification.objects.filter(pk__in=refused + closed, status="failed")
    result.check(failed.count() == len(refused) + len(closed), f"{failed.count()} rows failed")
    result.check(not sink.accepted, "nothing was delivered, and nothing vanished: all are failed")

    staff = User.objects.get(email="staff@example.com")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    response = client.get("/staff/notifications/notification/", {"problem": "failed"})
    page = response.content.decode()
    shown = sum(row.to_email in page for row in failed)
    result.check(
        response.status_code == 200 and shown == failed.count(),
        f"staff see them at /staff/ under 'delivery problem: failed' "
        f"({response.status_code}, {shown} of {failed.count()} listed, with the error: "
        f"{'550' in page and 'ConnectionRefusedError' in page})",
    )
    stranger = User.objects.filter(student_profile__isnull=False).first()
    client.force_login(stranger)
    response = client.get("/staff/notifications/notification/", {"problem": "failed"})
    result.check(response.status_code == 302, "a student is sent to the staff login instead")
    return result
