"""The reusable reads of listings: what the public sees, the moderation queue, the cards."""

from __future__ import annotations

from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Organization

#: Columns a listing card never shows, left unread on the lists of cards: the long texts, the
#: moderation fields, the JSON ones (decoded row by row) and the search document, which made
#: up most of what a page of 20 listings read and converted.
CARD_UNUSED_FIELDS = (
    "description",
    "description_html",
    "deliverables",
    "pay_justification",
    "also_provided",
    "eligibility",
    "moderation_reason",
    "moderation_note",
    "risk_signals",
    "approved_snapshot",
    "search_vector",
    "organization__description",
)


class ListingQuerySet(models.QuerySet):
    def published(self) -> ListingQuerySet:
        """Listings the public may see: published, from an organization not suspended."""
        return self.filter(status=self.model.Status.PUBLISHED).exclude(
            organization__verification=Organization.Verification.SUSPENDED
        )

    def open(self) -> ListingQuerySet:
        """Published listings still accepting applications (deadline today or later)."""
        return self.published().filter(application_deadline__gte=timezone.localdate())

    def public_condition(self) -> Q:
        """The one definition of a public listing, as a condition (see `public()`)."""
        return Q(
            status__in=[
                self.model.Status.PUBLISHED,
                self.model.Status.CLOSED,
                self.model.Status.COMPLETED,
            ]
        ) & ~Q(organization__verification=Organization.Verification.SUSPENDED)

    def public(self) -> ListingQuerySet:
        """What a visitor may open: published, closed and completed listings of organizations
        that are not suspended (open or not: a closed project's page stays up)."""
        return self.filter(self.public_condition())

    def visible_to(self, user) -> ListingQuerySet:
        """What this person may open: the public ones, plus own org's, plus all for staff."""
        if getattr(user, "is_authenticated", False):
            if user.is_career_staff:
                return self.all()
            return self.filter(
                self.public_condition() | Q(organization__in=user.employer_organizations())
            )
        return self.public()

    def for_organization(self, organization) -> ListingQuerySet:
        return self.filter(organization=organization)

    def awaiting_moderation(self) -> ListingQuerySet:
        """The moderation queue: submitted listings, highest risk first, then oldest."""
        return self.filter(status=self.model.Status.SUBMITTED).order_by(
            "-risk_score", "submitted_at"
        )

    def past_deadline(self) -> ListingQuerySet:
        """Published listings whose application deadline has passed (to be closed)."""
        return self.filter(
            status=self.model.Status.PUBLISHED, application_deadline__lt=timezone.localdate()
        )

    def suspended_before(self, before) -> ListingQuerySet:
        """Listings suspended since before `before` with no decision from staff yet."""
        suspended = self.model.Status.SUSPENDED
        return (
            self.filter(status=suspended)
            .alias(suspended_at=Max("events__created_at", filter=Q(events__to_status=suspended)))
            .filter(suspended_at__lt=before)
        )

    def with_card_data(self) -> ListingQuerySet:
        """Everything a listing card shows, in a constant number of queries."""
        return self.select_related("organization__track_record", "industry").prefetch_related(
            "skills"
        )

    def as_cards(self) -> ListingQuerySet:
        """A list of cards: what each shows, leaving unread the columns no card shows."""
        return self.with_card_data().defer(*CARD_UNUSED_FIELDS)
