"""Periodic listing upkeep (thin Celery entry points)."""

from celery import shared_task


@shared_task(ignore_result=True)
def close_past_deadline() -> int:
    """Close every published listing whose application deadline has passed."""
    from django.core.exceptions import ValidationError

    from listings.models import Listing

    closed = 0
    for listing in Listing.objects.past_deadline().select_related("organization").iterator():
        try:
            listing.close(by=None)
        except ValidationError:
            continue  # changed state meanwhile (suspended, cancelled): nothing to close
        closed += 1
    return closed
