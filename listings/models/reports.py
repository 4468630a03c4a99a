"""Students' reports of suspicious listings: how much each weighs, and how staff resolve them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from lifecycle import Lifecycle, LifecycleEvent, LifecycleModel, Transition
from lifecycle.fields import VocabularyField, actor_field, state_field
from listings.models.listing import Listing


class ReportWeight:
    """How much one report counts toward suspending a listing automatically.

    Reports are weighed, not counted, so that nobody can take a listing down with accounts
    made for the purpose:

    - Only students count. A member of any organization (owner or member; active, asking
      to join or removed; the listing's competitors included) and staff weigh nothing:
      their reports still reach the career center, but never suspend anything alone.
    - A student's report weighs STUDENT, plus VERIFIED_EMAIL once their address is
      confirmed, plus ESTABLISHED_ACCOUNT when the account is at least ESTABLISHED_AFTER
      old, plus APPLICANT when they applied to this listing (they saw the project from
      the inside, where "pay a deposit first" shows itself).
    - Open reports suspend a published listing once their weights add up to SUSPEND_AT.

    A fresh sign-up weighs 1 unconfirmed, 2 confirmed: three of them (3 to 6) do not
    suspend. Three established students (4 each), or two who applied (up to 7 each), do.
    No single report reaches SUSPEND_AT on its own.
    """

    STUDENT = 1
    VERIFIED_EMAIL = 1
    ESTABLISHED_ACCOUNT = 2
    ESTABLISHED_AFTER = datetime.timedelta(days=30)
    APPLICANT = 3
    SUSPEND_AT = 10

    @classmethod
    def of(cls, reporter, listing: Listing) -> int:
        """The weight of `reporter`'s report on `listing` (0 for anyone but a student)."""
        from allauth.account.models import EmailAddress

        if (
            not reporter.is_student
            or reporter.is_staff
            or reporter.is_superuser
            or reporter.memberships.exists()
        ):
            return 0
        weight = cls.STUDENT
        if EmailAddress.objects.filter(
            user=reporter, email__iexact=reporter.email, verified=True
        ).exists():
            weight += cls.VERIFIED_EMAIL
        if reporter.date_joined <= timezone.now() - cls.ESTABLISHED_AFTER:
            weight += cls.ESTABLISHED_ACCOUNT
        # Applications sit above listings; they are reached through their reverse relation.
        applications = getattr(listing, "applications", None)
        if applications is not None and applications.filter(student=reporter).exists():
            weight += cls.APPLICANT
        return weight


class ListingReport(LifecycleModel, models.Model):
    """A student's report of a suspicious or broken listing."""

    class Reason(models.TextChoices):
        SCAM = "scam", "Looks like a scam"
        ASKS_FOR_MONEY = "asks_for_money", "Asks students for money or bank details"
        UNPAID = "unpaid", "Pay is missing or unfair"
        NOT_A_PROJECT = "not_a_project", "Not a real project"
        INAPPROPRIATE = "inappropriate", "Offensive or discriminatory"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open"
        UPHELD = "upheld"
        DISMISSED = "dismissed"

    #: Staff close an open report once, upheld or dismissed; each closing is an event row.
    TRANSITIONS = Lifecycle(
        Status,
        resolve=Transition(
            Status.OPEN,
            (Status.UPHELD, Status.DISMISSED),
            "resolved",
            stamp="resolved_at",
            stamp_by="resolved_by",
        ),
    )

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listing_reports"
    )
    reason = VocabularyField(Reason, max_length=30)
    details = models.TextField(max_length=2000, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="What the report counts toward automatic suspension (see ReportWeight).",
    )
    status = state_field(Status, default=Status.OPEN, constraint="report_status_valid")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = actor_field()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "reporter"],
                condition=Q(status="open"),
                name="one_open_report_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.listing} by {self.reporter}"

    @classmethod
    def file(cls, *, listing: Listing, reporter, reason: str, details: str = "") -> ListingReport:
        """Record a report; open reports weighing ReportWeight.SUSPEND_AT suspend the listing.

        An automatic suspension is told to career-center staff and the organization.
        """
        with transaction.atomic():
            locked = Listing.objects.select_for_update().get(pk=listing.pk)
            report, created = cls.objects.get_or_create(
                listing=locked,
                reporter=reporter,
                status=cls.Status.OPEN,
                defaults={
                    "reason": reason,
                    "details": details,
                    "weight": ReportWeight.of(reporter, locked),
                },
            )
            open_reports = cls.objects.filter(listing=locked, status=cls.Status.OPEN)
            total = open_reports.aggregate(total=models.Sum("weight"))["total"] or 0
            if (
                created
                and total >= ReportWeight.SUSPEND_AT
                and locked.status == Listing.Status.PUBLISHED
            ):
                people = open_reports.filter(weight__gt=0).count()
                locked.suspend(
                    by=None,
                    reason="reports",
                    note=f"Suspended automatically: reports from {people} students weigh "
                    f"{total} (the threshold is {ReportWeight.SUSPEND_AT}); waiting for staff.",
                )
                locked.notify_suspended_by_reports(locked.events.first())
                listing.status = locked.status
        return report

    def resolve(self, *, by, upheld: bool, note: str = "") -> ListingReportEvent:
        """Close the report as upheld or dismissed, recording who did it (nothing else changes)."""
        target = self.Status.UPHELD if upheld else self.Status.DISMISSED
        return self.apply_transition("resolve", by=by, note=note, to=target)

    def transition_refused(self, current: str, transition, target: str) -> str:
        return "This report is already resolved."

    def uphold(self, *, by) -> None:
        """Agree with the report. A suspended listing is then removed for good, with its
        other open reports upheld too; a published one stays up until staff suspend it."""
        with transaction.atomic():
            listing = Listing.objects.select_for_update().get(pk=self.listing_id)
            self.resolve(by=by, upheld=True)
            if listing.status == Listing.Status.SUSPENDED:
                listing.remove(by=by, reason="reports", note="A report was upheld.")
                for other in listing.reports.filter(status=self.Status.OPEN):
                    other.resolve(by=by, upheld=True, note="Upheld with another report.")
            self.listing = listing

    def dismiss(self, *, by) -> None:
        """Disagree with the report. A listing the reports suspended (not a person) is
        published again once none of its reports is open."""
        with transaction.atomic():
            listing = Listing.objects.select_for_update().get(pk=self.listing_id)
            self.resolve(by=by, upheld=False)
            if (
                listing.suspended_automatically
                and not listing.reports.filter(status=self.Status.OPEN).exists()
            ):
                listing.reinstate(by=by, note="Reports dismissed.")
            self.listing = listing


class ListingReportEvent(LifecycleEvent):
    """Append-only record of a report's resolution: who upheld or dismissed it, and when."""

    report = models.ForeignKey(ListingReport, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"{self.report}: {self.from_status} → {self.to_status}"
