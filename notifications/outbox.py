"""Writing to the outbox: every email is a row first, handed to Celery after commit.

`queue_email` stores one email (the after-commit path of every transition); `queue_emails`
stores many in batches of one INSERT each (the reminder run). Both build rows with
`build_notification`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
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
# Rows one INSERT stores when many are queued at once (the reminder run).
QUEUE_BATCH_SIZE = 500


#: Top-level domains that can never receive mail (RFC 2606): deleted accounts' placeholders.
UNDELIVERABLE_DOMAINS = (".invalid",)


def undeliverable(address: str) -> bool:
    """True for an address no message may go to: a deleted account's, or any `.invalid` one."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return any(domain.endswith(suffix) or domain == suffix[1:] for suffix in UNDELIVERABLE_DOMAINS)


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


def build_notification(
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
    category: str | None = None,
) -> Notification:
    """The outbox row for one email (rendered from `template` when given), not yet saved."""
    if template:
        subject, body_text, body_html = render_email(template, context or {})
    return Notification(
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


def queue_email(*, enqueue: bool = True, **email: Any) -> Notification | None:
    """Store one email in the outbox (once per dedupe_key) and deliver it after commit.

    Takes the arguments of `build_notification`: to, kind, dedupe_key, and optionally
    recipient, subject/body_text/body_html or template + context, link, category.
    Returns the new row, or None when a row with this dedupe_key already exists.
    `enqueue=False` leaves the row to the sweep, for callers that deliver right after
    themselves. Queuing never fails because Redis is down: the row is already stored
    and the sweep sends it.

    `category` (reminders, alerts...) decides whether the person may turn the email off;
    without it the category follows from the kind (see `category_for`). Whether the
    person turned it off is checked when it is sent, so a change of mind still counts.
    """
    if undeliverable(email["to"]):
        logger.info("Not queued to %s: the address cannot receive mail.", email["to"])
        return None
    notification = build_notification(**email)
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        logger.info("Outbox already holds %s; not queued twice.", notification.dedupe_key)
        return None
    if enqueue:
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    return notification


def queue_emails(
    emails: Iterable[dict[str, Any]],
    *,
    batch_size: int | None = None,
    stored: Callable[[list[int]], None] | None = None,
) -> int:
    """Store many emails in the outbox, one INSERT per batch; how many rows are new.

    Each item holds the arguments of `build_notification`; a batch is QUEUE_BATCH_SIZE
    emails unless `batch_size` says otherwise. Per batch, one query first leaves out the
    dedupe keys the outbox already holds, so a second run renders nothing; then one
    `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING` stores the rest and counts
    only the rows it stored, even when a concurrent run stored some of the same keys in
    between. Nothing is handed to Celery here.

    Without `stored`, all or nothing: one transaction for every batch (the caller
    delivers, or the sweep does). With `stored`, each batch is committed on its own and
    `stored(ids)` is called with its new rows' ids, so that they can be on their way
    while the next batches are rendered; if the emails stop halfway (an error), the
    batches before stay queued and a later run, finding their keys, renders only the rest.
    """
    queued = 0
    with transaction.atomic() if stored is None else nullcontext():
        for batch in _batches(emails, batch_size or QUEUE_BATCH_SIZE):
            with transaction.atomic():
                keys = {email["dedupe_key"] for email in batch}
                held = set(
                    Notification.objects.filter(dedupe_key__in=keys).values_list(
                        "dedupe_key", flat=True
                    )
                )
                rows: dict[str, Notification] = {}
                for email in batch:
                    key = email["dedupe_key"]
                    if undeliverable(email["to"]):
                        continue
                    if key not in held and key not in rows:
                        rows[key] = build_notification(**email)
                ids = _insert_new(list(rows.values()))
            queued += len(ids)
            if stored is not None and ids:
                stored(ids)
    return queued


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _insert_new(rows: list[Notification]) -> list[int]:
    """INSERT the rows whose dedupe_key is not in the outbox yet; the ids of those it stored."""
    if not rows:
        return []
    connection = connections[Notification.objects.db]
    quote = connection.ops.quote_name
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    # One array per column (UNNEST), as bulk_create does on PostgreSQL: one parameter per
    # column rather than per column and row is far quicker to bind and to plan.
    # bulk_create(ignore_conflicts=True) cannot say which rows it stored; RETURNING can.
    columns = [
        [f.get_db_prep_save(f.pre_save(row, add=True), connection) for row in rows] for f in fields
    ]
    arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(Notification._meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(f.column) for f in fields)}) SELECT * FROM UNNEST({arrays}) "
        f"ON CONFLICT ({quote('dedupe_key')}) DO NOTHING "
        f"RETURNING {quote(Notification._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        return [pk for (pk,) in cursor.fetchall()]


def enqueue_delivery(notification_id: int) -> None:
    """Hand a row to Celery; if the broker is down, the periodic sweep delivers it later."""
    from notifications.tasks import deliver_notification

    if not hand_over(deliver_notification, notification_id):
        logger.warning("Could not queue notification %s; the sweep will send it.", notification_id)


def hand_over(task, *args: Any) -> bool:
    """Publish a task; False when the broker is unreachable (now or moments ago).

    Inline tasks (tests, CELERY_TASK_ALWAYS_EAGER) never touch a broker: they run here,
    and one that raises is logged and reported as not handed over.
    """
    app = task.app
    guarded = not app.conf.task_always_eager
    broker = str(app.conf.broker_url)
    if guarded and time.monotonic() < _broker_down_until.get(broker, 0.0):
        logger.info("Broker unreachable moments ago; %s is not published.", task.name)
        return False
    try:
        task.delay(*args)
    except Exception:  # the broker may be down in any number of ways; the caller decides
        if guarded:
            _broker_down_until[broker] = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning("Could not publish %s.", task.name, exc_info=True)
        return False
    return True
