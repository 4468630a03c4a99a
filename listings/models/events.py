"""A listing's history: one row per change of its status."""

from __future__ import annotations

from django.db import models

from lifecycle import LifecycleEvent
from listings.models.listing import Listing


class ListingEvent(LifecycleEvent):
    """Append-only record of a listing's transitions: who, from, to, why, when."""

    class Reason(models.TextChoices):
        PAY_STRUCTURE = "pay_structure", "Pay structure"
        UPFRONT_COST = "upfront_cost", "Upfront cost to student"
        MISSING_INFORMATION = "missing_information", "Missing information"
        NOT_A_PROJECT = "not_a_project", "Not a project"
        SUSPICIOUS_ORGANIZATION = "suspicious_organization", "Suspicious organization"
        OTHER = "other"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    reason = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"{self.listing}: {self.from_status} → {self.to_status}"
