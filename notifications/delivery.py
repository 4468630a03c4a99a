"""Sending outbox rows: claim, send, record, at most once per row, in batches.

A row is sent only by whoever claims it (pending → sending, under a row lock that
others skip), so two workers, a redelivered task and two beats cannot send it twice. A failed attempt
goes back to pending with an exponential, jittered `next_attempt_at`; the periodic
sweep (`deliver_due`) picks it up then, and after NOTIFICATION_MAX_ATTEMPTS the row is
marked failed for staff to see; a permanent refusal of the message (a 5xx reply about its
recipient or content) marks it failed at once.

Rows go out in batches (`deliver_batch`, NOTIFICATION_BATCH_SIZE rows): one statement
claims every due row of the batch, the recipients' preferences are read in one query,
one mail connection carries every message, and each sent row is marked sent by its own
UPDATE, committed as soon as the server accepted the message (one for all the skipped ones). A message that fails is recorded on its
own row (the others are still sent); when the connection cannot be opened, every claimed
row is recorded as a failed attempt. The reminder run hands the batches to Celery
(`dispatch_due`) so that every worker process takes a share; one email after a
transition is a batch of one (`deliver`).

The one window left is the one SMTP itself leaves: a worker killed after the server
accepted a message but before its row was marked sent. Each row is marked the moment its
message is accepted, so a worker killed mid-batch leaves in `sending` at most the one row
it was sending plus the rows it had not reached; the sweep returns them to the queue after
STALE_SENDING_AFTER, and only that one message may arrive twice (with the same Message-ID,
so mail clients can tell): SMTP offers no way to ask whether a message was delivered, and
twice is better than never. Rows whose address cannot receive mail (a deleted account's
`.invalid` placeholder) are never sent, whoever queued them. A batch stops sending after
SEND_BUDGET and returns the rows it did not try, so a slow mail server cannot keep a
live worker sending rows the sweep already considers abandoned.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import re
import smtplib
import time
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError
from django.db import connection as db
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe

from notifications.models import Notification, NotificationPreference
from notifications.outbox import hand_over, undeliverable
from notifications.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

# First retry after about a minute, doubling up to an hour: with five attempts a
# failing server gets roughly a quarter of an hour to come back.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# Far longer than any send can take (EMAIL_TIMEOUT bounds each SMTP step).
STALE_SENDING_AFTER = timedelta(minutes=10)
# Sent rows are marked in groups of this many. One: each row is committed as sent right after
# the server took it (an indexed one-row UPDATE, about a millisecond, well under an SMTP
# round trip), so a worker killed mid-batch sends again at most the one message in flight.
MARK_SENT_EVERY = 1
# Rows one sweep sends at most; the next sweep continues.
SWEEP_LIMIT = 200
# A batch stops sending after this long and returns its untried rows: well within
# STALE_SENDING_AFTER, so the sweep never releases rows a live worker is still sending.
SEND_BUDGET = STALE_SENDING_AFTER / 2


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failures: doubling, capped, jittered."""
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    # Jitter spreads out retries of many rows that failed together (a mail outage).
    return delay + delay * random.uniform(0, 0.25)  # noqa: S311 - jitter, not a secret


class OutboxMessage(EmailMultiAlternatives):
    """An email as it goes on the wire, each header on one line.

    Python folds headers at 78 characters; some receivers then misread a long
    List-Unsubscribe. RFC 5322 allows lines up to 998 characters, which every header here fits.
    """

    def message(self):
        message = super().message()
        message.policy = message.policy.clone(max_line_length=998)
        return message


def message_id(notification: Notification) -> str:
    """The same Message-ID however often a row is sent, so that a resend can be recognized."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox.{notification.pk}.{notification.created_at:%Y%m%d%H%M%S}@{domain}>"


# A paragraph of bullet lines ("- ", "* " or "• ") is a list in the HTML part.
_BULLET = re.compile(r"^\s*[-*\u2022] ")


def _linked(line: str) -> SafeString:
    """One line of text as HTML: escaped, with its web addresses as links."""
    # Safe: urlize with autoescape escapes everything but the links it writes.
    return mark_safe(urlize(line, autoescape=True))  # noqa: S308


def text_to_html(subject: str, text: str) -> str:
    """The HTML part of an email written as text: the same words, its paragraphs, lists, links."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.splitlines()
        if all(_BULLET.match(line) for line in lines):
            blocks.append({"bullets": [_linked(_BULLET.sub("", line)) for line in lines]})
        else:
            blocks.append({"lines": [_linked(line) for line in lines]})
    return render_to_string(
        "notifications/email/layout.html", {"subject": subject, "blocks": blocks}
    ).strip()


def build_message(
    notification: Notification, connection=None, *, footers: dict | None = None
) -> EmailMultiAlternatives:
    """The email for one outbox row: plain text and HTML (the row's, else made from the text).

    Reminders and alerts get a one-click unsubscribe (RFC 8058): the List-Unsubscribe
    headers mail clients show as a button, and the same link in a footer. `footers`
    keeps the footers rendered for a batch, one per category.
    """
    headers = {"Auto-Submitted": "auto-generated", "Message-ID": message_id(notification)}
    body_text = notification.body_text
    body_html = notification.body_html or text_to_html(notification.subject, body_text)
    if notification.offers_unsubscribe:
        url = unsubscribe_url(notification.recipient_id, notification.category)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body_text, body_html = _with_footer(notification, body_text, body_html, url, footers)
    message = OutboxMessage(
        subject=notification.subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        connection=connection,
        headers=headers,
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    return message


# Stands for the unsubscribe link while a footer is rendered, so that one rendering serves
# every recipient of a batch; letters only, so that escaping leaves it as it is.
_LINK_MARK = "unsubscribelinkgoeshere"


def _with_footer(
    notification: Notification,
    body_text: str,
    body_html: str,
    url: str,
    footers: dict | None = None,
) -> tuple[str, str]:
    # Added when sent rather than stored: every rule's template gets it without asking.
    footers = {} if footers is None else footers
    if notification.category not in footers:
        context = {
            "category": notification.get_category_display(),
            "unsubscribe_url": _LINK_MARK,
            "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
        }
        footers[notification.category] = (
            render_to_string("notifications/email/footer.txt", context).strip(),
            render_to_string("notifications/email/footer.html", context).strip(),
        )
    # The link as the template would have written it (both templates autoescape).
    link = escape(url)
    footer_text, footer_html = (f.replace(_LINK_MARK, link) for f in footers[notification.category])
    body_text = f"{body_text}\n\n-- \n{footer_text}"
    if body_html:
        closing = body_html.lower().rfind("</body>")
        if closing == -1:
            body_html = f"{body_html}\n{footer_html}"
        else:
            body_html = f"{body_html[:closing]}{footer_html}\n{body_html[closing:]}"
    return body_text, body_html


def deliver(notification_id: int) -> bool:
    """Send one outbox row if it is due and nobody else is sending it; True when sent now.

    A batch of one (see `deliver_batch`). Call it outside a transaction: the claim must
    be committed before the send starts.
    """
    return deliver_batch([notification_id]) == 1


def deliver_batch(notification_ids: Iterable[int]) -> int:
    """Send the due rows among these ids that nobody else is sending; how many were sent.

    One statement claims them all, one query reads the recipients' preferences, one mail
    connection sends every message; sent rows are marked one UPDATE per MARK_SENT_EVERY
    (only those still claimed by this batch), rows whose recipient turned the category off are marked
    skipped in one UPDATE (they stay in the in-app list), and each failure is scheduled
    on its own row. Call it outside a transaction: the claim must be committed before
    the sends start.
    """
    claimed = Notification.objects.claim_due(notification_ids)
    if not claimed:
        return 0
    ours = Notification.objects.held(claimed[0].claimed_at)  # the whole batch shares it
    # The outbox's last word: never to a deleted account's address, whoever queued it.
    refused = [row for row in claimed if undeliverable(row.to_email)]
    if refused:
        ours.filter(pk__in=[row.pk for row in refused]).mark_skipped(
            reason="Not sent: the address cannot receive mail (a deleted account)."
        )
        claimed = [row for row in claimed if not undeliverable(row.to_email)]
    turned_off = NotificationPreference.turned_off(claimed)
    wanted = [row for row in claimed if row.wants_email(turned_off)]
    if len(wanted) < len(claimed):
        # Turned off by the person: no email, but the rows stay in their in-app list.
        unwanted = {row.pk for row in claimed} - {row.pk for row in wanted}
        ours.filter(pk__in=unwanted).mark_skipped()
    if not wanted:
        return 0
    with _commits_not_waiting_for_the_disk():
        return len(_send(wanted))


@contextlib.contextmanager
def _commits_not_waiting_for_the_disk():
    """While a batch is sent, this connection's commits do not wait for the disk.

    Each message is marked sent in a commit of its own. Waiting for the write-ahead log to
    reach the disk each time cost about as much as the rest of the send; without the wait a
    mark is safe from a killed worker the moment the server has it, and only a crash of
    PostgreSQL itself, within a fraction of a second of the mark, could lose it and send that
    message once more (the claim, committed before, still waits).
    """
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with db.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # a lost connection is replaced, with the default setting
            logger.warning("Could not reset synchronous_commit after a batch.", exc_info=True)


def _send(rows: list[Notification]) -> list[Notification]:
    """Send each row's message over one connection; the rows sent. Failures are recorded."""
    if not rows:
        return []
    started = time.monotonic()
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    sent: list[Notification] = []
    unmarked: list[Notification] = []  # sent, not yet marked: at most MARK_SENT_EVERY
    footers: dict = {}
    try:
        try:
            connection.open()
        except Exception as error:  # no connection, no attempt: every row is retried later
            logger.warning("Could not open a mail connection for %s notifications.", len(rows))
            for row in rows:
                _record_failure(row, error)
            return sent
        for index, row in enumerate(rows):
            if time.monotonic() - started > SEND_BUDGET.total_seconds():
                _return_untried(rows[index:])
                break
            try:
                build_message(row, connection, footers=footers).send()
            except Exception as error:  # refused, timeout, bad address: recorded on this row
                _record_failure(row, error)
                if _connection_lost(error) and not _reopen(connection, rows[index + 1 :]):
                    break
                continue
            sent.append(row)
            unmarked.append(row)
            if len(unmarked) >= MARK_SENT_EVERY:
                _mark_sent(unmarked)
    finally:
        _close(connection)
        _mark_sent(unmarked)
    return sent


def _mark_sent(rows: list[Notification]) -> None:
    """Mark these sent rows in one UPDATE (only those still under this batch's claim).

    `Notification.objects.held(claimed_at).filter(pk__in=…).mark_sent()`, written as the one
    statement it compiles to: it runs once per message, and building it through the ORM each
    time cost more than sending the message.
    """
    if not rows:
        return
    with db.cursor() as cursor:
        cursor.execute(
            _mark_sent_sql(),
            [
                Notification.Status.SENT,
                timezone.now(),
                [row.pk for row in rows],
                Notification.Status.SENDING,
                rows[0].claimed_at,
            ],
        )
        marked = cursor.rowcount
    if marked < len(rows):
        logger.warning(
            "%s notifications were sent but had been released meanwhile.", len(rows) - marked
        )
    rows.clear()


@functools.cache
def _mark_sent_sql() -> str:
    quote = db.ops.quote_name
    meta = Notification._meta
    column = {name: quote(meta.get_field(name).column) for name in _MARK_SENT_COLUMNS}
    return (
        f"UPDATE {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"SET {column['status']} = %s, {column['sent_at']} = %s, {column['next_attempt_at']} = NULL "
        f"WHERE {column['id']} = ANY(%s) AND {column['status']} = %s AND {column['claimed_at']} = %s"
    )


_MARK_SENT_COLUMNS = ("id", "status", "sent_at", "next_attempt_at", "claimed_at")


def _connection_lost(error: Exception) -> bool:
    # A refused message (an SMTPException other than a disconnect) leaves the session
    # usable; a dropped or timed-out socket does not.
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _reopen(connection, remaining: list[Notification]) -> bool:
    """Open the connection again for the rest of the batch; False (rest recorded) if it fails."""
    _close(connection)
    if not remaining:
        return True
    try:
        connection.open()
    except Exception as error:
        logger.warning("Could not reopen the mail connection for %s notifications.", len(remaining))
        for row in remaining:
            _record_failure(row, error)
        return False
    return True


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # the messages are sent; a failed goodbye changes nothing
        logger.warning("Closing the mail connection failed.", exc_info=True)


def _return_untried(rows: list[Notification]) -> None:
    returned = Notification.objects.filter(pk__in=[row.pk for row in rows])
    returned = returned.held(rows[0].claimed_at).unclaim()
    logger.warning("Batch out of time; %s untried notifications returned to the queue.", returned)


def refused_for_good(error: Exception) -> bool:
    """True when the mail server refused this message permanently (a 5xx reply).

    Only refusals of the message itself count: its recipients (no such mailbox) or its
    content. Retrying those can only be refused again, so the row is marked failed at once
    for staff to see (and to retry once the address is corrected). A 5xx refusal of the
    sender or of the login is the site's own mail configuration, the same for every row,
    and a 4xx reply is temporary: those rows keep their attempts.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False


def _record_failure(notification: Notification, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    now = timezone.now()
    final = refused_for_good(error)
    notification.mark_attempt_failed(
        error=text, retry_at=now + backoff(notification.attempts + 1), final=final
    )
    if notification.status == Notification.Status.FAILED:
        logger.error(
            "Notification %s failed for good after %s attempts%s: %s",
            notification.pk,
            notification.attempts,
            " (refused permanently by the mail server)" if final else "",
            text,
        )
    else:
        logger.warning(
            "Notification %s attempt %s failed (%s); next attempt at %s.",
            notification.pk,
            notification.attempts,
            text,
            notification.next_attempt_at,
        )


def release_stale(now: datetime | None = None) -> int:
    """Return rows stuck in `sending` (their worker died) to the queue; the count."""
    now = now or timezone.now()
    released = Notification.objects.release_stale(now - STALE_SENDING_AFTER)
    if released:
        logger.warning("Released %s notifications abandoned while sending.", released)
    return released


def deliver_due(limit: int | None = SWEEP_LIMIT) -> int:
    """The sweep: release abandoned rows, then send due pending rows (at most `limit`) here.

    Sends in batches of NOTIFICATION_BATCH_SIZE; returns how many were sent. Safe to run
    concurrently: each row is claimed first.
    """
    now = timezone.now()
    release_stale(now)
    return sum(deliver_batch(batch) for batch in _batches(_due_ids(now, limit)))


def dispatch(ids: Iterable[int]) -> int:
    """Hand these rows to the workers, one `deliver_batch` task per NOTIFICATION_BATCH_SIZE.

    Every worker process takes a share. When tasks run inline (tests,
    CELERY_TASK_ALWAYS_EAGER) or the broker is unreachable, the batches are delivered here
    with the same code. Returns the rows handed to workers plus the emails sent here.
    """
    from notifications.tasks import deliver_batch as task

    inline = task.app.conf.task_always_eager
    count = 0
    for batch in _batches(list(ids)):
        if not inline and hand_over(task, batch):
            count += len(batch)
        else:
            count += deliver_batch(batch)
    return count


def dispatch_due(*, skip: Collection[int] = ()) -> int:
    """Release abandoned rows, then hand every due row to the workers (`dispatch`).

    `skip` holds rows already handed over by the caller. Returns the rows handed to
    workers plus the emails sent here.
    """
    now = timezone.now()
    release_stale(now)
    return dispatch(pk for pk in _due_ids(now, None) if pk not in skip)


def _due_ids(now: datetime, limit: int | None) -> list[int]:
    # Rows never tried first, then retries in the order they fell due.
    due = Notification.objects.due(now).order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
    ids = due.values_list("pk", flat=True)
    return list(ids if limit is None else ids[:limit])


def _batches(ids: list[int]) -> list[list[int]]:
    size = settings.NOTIFICATION_BATCH_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]
