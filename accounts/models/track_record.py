"""An organization's record with students: does it answer its applicants, how fast, does it pay.

The figures are stored, not computed per request: a periodic task (`reports.track_record`)
reads them from the applications' lifecycles and writes one row per organization, so a
page of listings reads them with its organizations, in the same query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models.organizations import Organization


class TrackRecord(models.Model):
    """How an organization treats its applicants and pays for completed work, as last computed."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="track_record"
    )
    #: Applications whose listing stopped taking applications (withdrawn undecided ones aside).
    applications = models.PositiveIntegerField(default=0)
    #: Those of them the organization decided on: an offer, or "not selected" by a member.
    decided = models.PositiveIntegerField(default=0)
    #: Every decision the organization took, and the median days from application to it.
    decisions = models.PositiveIntegerField(default=0)
    median_decision_days = models.FloatField(null=True, blank=True)
    #: Projects completed at least 14 days ago, and those the student confirmed were paid
    #: within 14 days of completion.
    completed = models.PositiveIntegerField(default=0)
    paid_within_14_days = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided__lte=models.F("applications")),
                name="track_record_decided_within_applications",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_within_14_days__lte=models.F("completed")),
                name="track_record_paid_within_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"Track record of {self.organization_id}"

    @property
    def shows_decisions(self) -> bool:
        """Enough decisions for the answer figures to mean something."""
        return self.decisions >= settings.TRACK_RECORD_MIN_DECISIONS and self.applications > 0

    @property
    def shows_payments(self) -> bool:
        """Enough completed projects for the payment figure to mean something."""
        return self.completed >= settings.TRACK_RECORD_MIN_COMPLETED

    @property
    def shows_anything(self) -> bool:
        return self.shows_decisions or self.shows_payments

    @property
    def decided_percent(self) -> int | None:
        """The share of applicants who got a decision, in whole percent."""
        return round(100 * self.decided / self.applications) if self.applications else None

    @property
    def paid_percent(self) -> int | None:
        """The share of completed projects paid within 14 days, in whole percent."""
        return round(100 * self.paid_within_14_days / self.completed) if self.completed else None

    @property
    def median_days_text(self) -> str:
        """“less than a day”, “1 day”, “4 days” (rounded)."""
        days = self.median_decision_days
        if days is None:
            return ""
        if days < 1:
            return "less than a day"
        whole = round(days)
        return f"{whole} day{'s' if whole != 1 else ''}"
