"""Celery entry points for delivery (thin: they take ids and call notifications.delivery)."""

from celery import shared_task


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    """Send one outbox row, once."""
    from notifications.delivery import deliver

    deliver(notification_id)


@shared_task(ignore_result=True)
def deliver_pending() -> int:
    """Deliver every row that is due and was not sent (the sweep)."""
    from notifications.delivery import deliver_due

    return deliver_due()


@shared_task(ignore_result=True)
def send_reminders() -> dict:
    """Run every registered reminder rule once."""
    from notifications.reminders import run_all

    return run_all()
