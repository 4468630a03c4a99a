"""Check-in reminders: halfway through the work both sides are asked how it goes, and the
career center hears of engagements where nobody answered or wrote for a week."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from listings.reminders import career_center_staff
from messaging.models import (
    CheckIn,
    Message,
    Side,
    check_in_date,
    check_in_open,
    people_on,
)
from notifications.reminders import Reminder, register, remind_each


def check_in_link(application: Application) -> str:
    """The page with the two answers (opening it changes nothing)."""
    return reverse("messaging:check_in", kwargs={"pk": application.pk})


def silent_engagements(today: datetime.date | None = None) -> list[Application]:
    """Engagements still in progress a week or more past their check-in with no answer from
    either side and no message in the conversation for that long."""
    today = today or timezone.localdate()
    days = settings.CHECK_IN_SILENCE_DAYS
    since = timezone.now() - timedelta(days=days)
    candidates = (
        Application.objects.filter(
            status__in=Application.IN_PROGRESS,
            accepted_at__isnull=False,
            accepted_at__lte=since,
        )
        .exclude(Exists(CheckIn.objects.filter(application=OuterRef("pk"))))
        .exclude(Exists(Message.objects.filter(application=OuterRef("pk"), created_at__gte=since)))
        .select_related("listing__organization", "student")
        .order_by("accepted_at", "pk")
    )
    return [
        application
        for application in candidates
        if check_in_date(application) <= today - timedelta(days=days)
    ]


@register("messaging.check_in")
def check_ins() -> Iterator[Reminder]:
    """Each side of an engagement that has not answered, once, from the halfway day on."""
    today = timezone.localdate()
    working = (
        Application.objects.filter(
            status__in=Application.IN_PROGRESS,
            accepted_at__isnull=False,
            listing__due_date__gte=today,
        )
        .select_related("listing__organization", "student")
        .prefetch_related("check_ins")
    )
    for application in working:
        if not check_in_open(application, today):
            continue
        answered = {check_in.side for check_in in application.check_ins.all()}
        for side in Side:
            if side in answered:
                continue
            yield from remind_each(
                people_on(application, side),
                "messaging.check_in",
                f"messaging.check_in:{application.pk}:{side}",
                "messaging/email/check_in",
                {
                    "application": application,
                    "listing": application.listing,
                    "to_student": side == Side.STUDENT,
                    "link": check_in_link(application),
                },
                check_in_link(application),
            )


@register("messaging.check_in_silent")
def silent_check_ins() -> Iterator[Reminder]:
    """The career center, once per engagement left silent a week after its check-in."""
    silent = silent_engagements()
    if not silent:
        return
    staff = list(career_center_staff())
    link = reverse("messaging_staff:check_ins")
    for application in silent:
        yield from remind_each(
            staff,
            "messaging.check_in_silent",
            f"messaging.check_in_silent:{application.pk}",
            "messaging/email/check_in_silent",
            {
                "application": application,
                "listing": application.listing,
                "days": settings.CHECK_IN_SILENCE_DAYS,
                "link": link,
            },
            link,
        )
