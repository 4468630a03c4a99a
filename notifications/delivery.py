"""Sending outbox rows: claim, send, record, at most once per row.

A row is sent only by whoever claims it (pending → sending, under a row lock that
others skip), so two workers, a redelivered task and two beats cannot send it twice. A failed attempt
goes back to pending with an exponential, jittered `next_attempt_at`; the periodic
sweep (`deliver_due`) picks it up then, and after NOTIFICATION_MAX_ATTEMPTS the row is
marked failed for staff to see.

The one window left is the one SMTP itself leaves: a worker killed after the server
accepted the message but before the row was marked sent. The sweep returns such a row
to the queue after STALE_SENDING_AFTER, so that message may arrive twice: SMTP offers
no way to ask whether it was delivered, and twice is better than never.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

# First retry after about a minute, doubling up to an hour: with five attempts a
# failing server gets roughly a quarter of an hour to come back.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# Far longer than any send can take (EMAIL_TIMEOUT bounds each SMTP step).
STALE_SENDING_AFTER = timedelta(minutes=10)
# Rows one sweep sends at most; the next sweep continues.
SWEEP_LIMIT = 200


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failures: doubling, capped, jittered."""
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    # Jitter spreads out retries of many rows that failed together (a mail outage).
    return delay + delay * random.uniform(0, 0.25)  # noqa: S311 - jitter, not a secret


def build_message(notification: Notification, connection=None) -> EmailMultiAlternatives:
    """The email for one outbox row: plain text, plus HTML when the row has it.

    Reminders and alerts get a one-click unsubscribe (RFC 8058): the List-Unsubscribe
    headers mail clients show as a button, and the same link in a footer.
    """
    headers = {"Auto-Submitted": "auto-generated"}
    body_text, body_html = notification.body_text, notification.body_html
    if notification.offers_unsubscribe:
        url = unsubscribe_url(notification.recipient_id, notification.category)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body_text, body_html = _with_footer(notification, body_text, body_html, url)
    message = EmailMultiAlternatives(
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


def _with_footer(
    notification: Notification, body_text: str, body_html: str, url: str
) -> tuple[str, str]:
    # Added when sent rather than stored: every rule's template gets it without asking.
    context = {
        "category": notification.get_category_display(),
        "unsubscribe_url": url,
        "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
    }
    footer_text = render_to_string("notifications/email/footer.txt", context).strip()
    body_text = f"{body_text}\n\n-- \n{footer_text}"
    if body_html:
        footer_html = render_to_string("notifications/email/footer.html", context).strip()
        closing = body_html.lower().rfind("</body>")
        if closing == -1:
            body_html = f"{body_html}\n{footer_html}"
        else:
            body_html = f"{body_html[:closing]}{footer_html}\n{body_html[closing:]}"
    return body_text, body_html


def deliver(notification_id: int) -> bool:
    """Send one outbox row if it is due and nobody else is sending it; True when sent now.

    A row whose recipient turned its category off is marked skipped instead of sent.

    Call it outside a transaction: the claim must be committed before the send starts.
    """
    notification = Notification.claim(notification_id)
    if notification is None:
        return False
    if not notification.wants_email():
        # Turned off by the person: no email, but the row stays in their in-app list.
        notification.mark_skipped()
        return False
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        build_message(notification, connection).send()
    except Exception as error:  # any failure to send (refused, timeout, bad address) is recorded
        _record_failure(notification, error)
        return False
    if not notification.mark_sent():
        logger.warning("Notification %s was sent but had been released meanwhile.", notification_id)
    return True


def _record_failure(notification: Notification, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    now = timezone.now()
    notification.mark_attempt_failed(error=text, retry_at=now + backoff(notification.attempts + 1))
    if notification.status == Notification.Status.FAILED:
        logger.error(
            "Notification %s failed for good after %s attempts: %s",
            notification.pk,
            notification.attempts,
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
    """The sweep: release abandoned rows, then send due pending rows (at most `limit`).

    Returns how many were sent. Safe to run concurrently: each row is claimed first.
    """
    now = timezone.now()
    release_stale(now)
    # Rows never tried first, then retries in the order they fell due.
    due = Notification.objects.due(now).order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
    ids = due.values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    return sum(deliver(pk) for pk in list(ids))
