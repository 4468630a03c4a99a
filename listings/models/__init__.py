"""Listings and what hangs off them, one module per feature; every name importable from here."""

from listings.models.events import ListingEvent
from listings.models.listing import (
    MAX_DEADLINE_AHEAD_DAYS,
    MAX_PROJECT_DAYS,
    SEARCH_CONFIG,
    Listing,
    normalize_text,
)
from listings.models.querysets import ListingQuerySet
from listings.models.reports import ListingReport, ListingReportEvent, ReportWeight
from listings.models.saved import SavedListing
from listings.models.taxonomy import Industry, Skill

__all__ = [
    "MAX_DEADLINE_AHEAD_DAYS",
    "MAX_PROJECT_DAYS",
    "SEARCH_CONFIG",
    "Industry",
    "Listing",
    "ListingEvent",
    "ListingQuerySet",
    "ListingReport",
    "ListingReportEvent",
    "ReportWeight",
    "SavedListing",
    "Skill",
    "normalize_text",
]
