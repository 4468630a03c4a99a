"""A student's private, revocable address for their deadlines calendar."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A student's private address for subscribing to their deadlines calendar.

    Anyone holding the address reads the calendar without signing in (calendar apps cannot
    sign in), so it is a long random token, and resetting it revokes the old address.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, editable=False, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Calendar of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("applications:calendar_feed", kwargs={"token": self.token})

    @classmethod
    def issue(cls, user) -> tuple[CalendarFeed, bool]:
        """Give the student a private address: their first, or a new one revoking the old.

        Returns the feed and whether it is the student's first address.
        """
        with transaction.atomic():
            feed, created = cls.objects.select_for_update().get_or_create(user=user)
            if not created:
                feed.token = new_calendar_token()
                feed.reset_at = timezone.now()
                feed.save(update_fields=["token", "reset_at"])
        return feed, created
