"""Writing to the outbox: every email is a row first, handed to Celery after commit."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import render_to_string

from notifications.models import Notification, category_for

logger = logging.getLogger(__name__)

# After a failed hand-over to Celery, rows skip the broker for this long (seconds) and wait
# for the sweep (every minute): a broker that hangs must cost one request its timeout, not
# every request that sends an email.
BROKER_RETRY_AFTER = 30.0
# When the broker last failed, per broker URL (one per process; threads share it).
_broker_down_until: dict[str, float] = {}


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Render `<template>_subject.txt`, `<template>.txt` and (if present) `<template>.html`.

    Every email template gets `site_url` (links are built from SITE_URL, never the request).
    """
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context).strip()
    try:
        html = render_to_string(f"{template}.html", context).strip()
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def queue_email(
    *,
    to: str,
    kind: str,
    dedupe_key: str,
    recipient=None,
    subject: str = "",
    body_text: str = "",
    body_html: str = "",
    template: str | None = None,
    context: dict | None = None,
    link: str = "",
    enqueue: bool = True,
    category: str | None = None,
) -> Notification | None:
    """Store one email in the outbox (once per dedupe_key) and deliver it after commit.

    Returns the new row, or None when a row with this dedupe_key already exists.
    `enqueue=False` leaves the row to the sweep, for callers that deliver right after
    themselves (the reminder run). Queuing never fails because Redis is down: the row
    is already stored and the sweep sends it.

    `category` (reminders, alerts...) decides whether the person may turn the email off;
    without it the category follows from the kind (see `category_for`). Whether the
    person turned it off is checked when it is sent, so a change of mind still counts.
    """
    if template:
        subject, body_text, body_html = render_email(template, context or {})
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                to_email=to,
                kind=kind,
                category=category_for(kind, category),
                subject=subject[:255],
                body_text=body_text,
                body_html=body_html,
                link=link,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        logger.info("Outbox already holds %s; not queued twice.", dedupe_key)
        return None
    if enqueue:
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    return notification


def enqueue_delivery(notification_id: int) -> None:
    """Hand a row to Celery; if the broker is down, the periodic sweep delivers it later."""
    from notifications.tasks import deliver_notification

    app = deliver_notification.app
    # Inline tasks (tests, CELERY_TASK_ALWAYS_EAGER) never touch a broker.
    guarded = not app.conf.task_always_eager
    broker = str(app.conf.broker_url)
    if guarded and time.monotonic() < _broker_down_until.get(broker, 0.0):
        logger.info(
            "Broker unreachable moments ago; notification %s waits for the sweep.", notification_id
        )
        return
    try:
        deliver_notification.delay(notification_id)
    except Exception:  # the broker may be down in any number of ways; the row waits
        if guarded:
            _broker_down_until[broker] = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning(
            "Could not queue notification %s; the sweep will send it.",
            notification_id,
            exc_info=True,
        )
