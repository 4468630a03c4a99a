"""Celery entry points for delivery (thin: they take ids and call notifications code).

Why deliver_notification does not use Celery's own retry: a failed send is already
recorded on the row (attempts, last_error, a jittered exponential next_attempt_at) and
the deliver_pending sweep, run every minute by beat, sends it again when it falls due.
A Celery retry would be a second schedule for the same row, kept in Redis, lost when
Redis is flushed and redelivered when a countdown outlives the broker's visibility
timeout; the claim would stop it from sending twice, but it would add nothing the row
does not already do. So the task makes one attempt and returns; the database is the
only source of truth about what is left to send.

The reminder run (send_reminders) queues its rows and returns after handing them, a few
hundred ids per task, to deliver_batch: every worker process takes a share of the batches.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    """Send one outbox row, once; a failure is scheduled on the row for the sweep."""
    from notifications.delivery import deliver

    return deliver(notification_id)


@shared_task(ignore_result=True)
def deliver_batch(notification_ids: list[int]) -> int:
    """Send a batch of outbox rows over one mail connection; failures are scheduled per row."""
    from notifications.delivery import deliver_batch as deliver_rows

    return deliver_rows(notification_ids)


@shared_task(ignore_result=True)
def deliver_pending() -> int:
    """Deliver every row that is due and was not sent (the sweep)."""
    from notifications.delivery import deliver_due

    return deliver_due()


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Run every registered reminder rule once and hand what is due to `deliver_batch` tasks."""
    from notifications.reminders import run_and_deliver

    counts, _delivered = run_and_deliver()
    return counts
