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


@shared_task(ignore_result=True)
def close_undecided_past_decide_by() -> int:
    """Close the applications still undecided after their listing's decide-by date."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from applications.models import Application
    from listings.models import Listing

    last_deadline = timezone.localdate() - timedelta(days=settings.DECIDE_WITHIN_DAYS + 1)
    late = Application.objects.undecided().filter(listing__application_deadline__lte=last_deadline)
    closed = 0
    for listing in Listing.objects.filter(pk__in=late.values("listing_id")).select_related(
        "organization"
    ):
        closed += listing.applications.all().close_undecided(
            note=f"{listing.organization} did not decide by {listing.decide_by:%-d %B %Y}, so "
            "your application is closed. We are sorry you waited."
        )
    return closed


@shared_task(ignore_result=True)
def complete_past_due() -> int:
    """Complete closed projects past their due date with no engagement or offer still open."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from applications.models import Application
    from listings.models import Listing

    busy = Application.IN_PROGRESS | {Application.Status.OFFERED}
    due = (
        Listing.objects.filter(status=Listing.Status.CLOSED, due_date__lt=timezone.localdate())
        .exclude(applications__status__in=busy)
        .select_related("organization")
    )
    completed = 0
    for listing in due:
        try:
            listing.complete(by=None, note="The due date passed with no work still open.")
        except ValidationError:
            continue  # someone is working on it again, or it changed meanwhile
        completed += 1
    return completed
