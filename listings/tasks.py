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


@shared_task(ignore_result=True)
def remove_long_suspended() -> int:
    """Remove listings suspended longer than SUSPENSION_DECIDE_DAYS; their applicants are told."""
    from datetime import timedelta

    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from listings.models import Listing

    days = settings.SUSPENSION_DECIDE_DAYS
    before = timezone.now() - timedelta(days=days)
    removed = 0
    for listing in Listing.objects.suspended_before(before).select_related("organization"):
        try:
            listing.remove(
                by=None,
                note=f"Suspended for more than {days} days without a decision by the career "
                "center.",
            )
        except ValidationError:
            continue  # reinstated or removed meanwhile
        removed += 1
    return removed
