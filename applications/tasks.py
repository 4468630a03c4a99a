"""Periodic application upkeep (thin Celery entry points)."""

from celery import shared_task


@shared_task(ignore_result=True)
def expire_offers() -> int:
    """Lapse every offer whose response time is over."""
    from django.core.exceptions import ValidationError

    from applications.models import Application

    expired = 0
    for application in Application.objects.offers_past_expiry().select_related(
        "listing__organization", "student"
    ):
        try:
            application.expire_offer()
        except ValidationError:
            continue  # answered meanwhile
        expired += 1
    return expired
