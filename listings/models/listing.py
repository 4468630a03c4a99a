"""A listing: one micro-internship, its fields, its lifecycle and what it tells people."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from accounts.models import Organization
from lifecycle import Lifecycle, LifecycleModel, Transition
from lifecycle.fields import VocabularyField, actor_field, state_field
from listings import risk
from listings.models.endings import ListingEndings
from listings.models.indexes import ORDER_AND_SEARCH_INDEXES
from listings.models.querysets import ListingQuerySet
from listings.models.taxonomy import Industry, Skill
from listings.text import render_markdown

if TYPE_CHECKING:
    from listings.models.events import ListingEvent

SEARCH_CONFIG = "english"
#: How far ahead an application deadline may be, and a due date after the deadline: a
#: micro-internship is weeks of work, and a date near the calendar's end breaks calendars.
MAX_DEADLINE_AHEAD_DAYS = 365
MAX_PROJECT_DAYS = 365


def normalize_text(text: str) -> str:
    """Text as compared between versions: one kind of line ending, no trailing whitespace.

    Browsers send "\\r\\n" and editors leave trailing spaces; neither is a change a
    student could see, so saving a listing unchanged never sends it back to review.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


class Listing(ListingEndings, LifecycleModel, models.Model):
    """One micro-internship: a short, paid project an organization needs done."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted", "Waiting for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published"
        REJECTED = "rejected"
        SUSPENDED = "suspended"
        REMOVED = "removed"
        CLOSED = "closed"
        COMPLETED = "completed"
        CANCELLED = "cancelled"

    class LocationType(models.TextChoices):
        REMOTE = "remote"
        HYBRID = "hybrid"
        ONSITE = "onsite", "On site"

    class Currency(models.TextChoices):
        USD = "USD", "US dollars (USD)"
        EUR = "EUR", "Euros (EUR)"
        GBP = "GBP", "Pounds sterling (GBP)"
        CAD = "CAD", "Canadian dollars (CAD)"

    OPEN_STATES = {Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED}
    EDITABLE_STATES = {Status.DRAFT, Status.CHANGES_REQUESTED, Status.SUBMITTED, Status.PUBLISHED}

    #: Every way a listing's status changes, each a method of the same name. Each decision
    #: of the career center is told to the organization's members.
    TRANSITIONS = Lifecycle(
        Status,
        submit=Transition(
            {Status.DRAFT, Status.CHANGES_REQUESTED},
            Status.SUBMITTED,
            "submitted for review",
            stamp="submitted_at",
        ),
        resubmit_after_edit=Transition(
            Status.PUBLISHED, Status.SUBMITTED, "submitted for review", stamp="submitted_at"
        ),
        # Edited while waiting: a new revision, keeping its place in the queue.
        revise_in_review=Transition(Status.SUBMITTED, Status.SUBMITTED, "submitted for review"),
        approve=Transition(
            Status.SUBMITTED, Status.PUBLISHED, "published", notify={"approved": "organization"}
        ),
        request_changes=Transition(
            Status.SUBMITTED, Status.CHANGES_REQUESTED, "sent back for changes", tell="organization"
        ),
        reject=Transition(Status.SUBMITTED, Status.REJECTED, "rejected", tell="organization"),
        close=Transition(Status.PUBLISHED, Status.CLOSED, "closed", stamp="closed_at"),
        complete=Transition(
            Status.CLOSED, Status.COMPLETED, "marked completed", guard="check_completable"
        ),
        suspend=Transition(Status.PUBLISHED, Status.SUSPENDED, "suspended", tell="organization"),
        reinstate=Transition(
            Status.SUSPENDED, Status.PUBLISHED, "published", notify={"reinstated": "organization"}
        ),
        remove=Transition(Status.SUSPENDED, Status.REMOVED, "removed", tell="organization"),
        cancel=Transition(OPEN_STATES, Status.CANCELLED, "cancelled", stamp="closed_at"),
    )
    #: Everything a student can see on the listing (its page, its card, its JSON-LD), plus
    #: what staff judge on students' behalf (contact email, pay justification). After
    #: publication a change to any of them sends the listing back to review
    #: (`record_edit`); the skills are compared as a sorted list of names.
    MATERIAL_FIELDS = [
        "title",
        "summary",
        "description",
        "deliverables",
        "skills",
        "industry",
        "estimated_hours",
        "fee",
        "currency",
        "pay_justification",
        "also_provided",
        "location_type",
        "city",
        "region",
        "country",
        "openings",
        "application_deadline",
        "due_date",
        "eligibility",
        "contact_email",
    ]

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="listings"
    )
    title = models.CharField(
        max_length=120,
        help_text="What the project is, in a few words: “Redesign our donor newsletter”.",
    )
    slug = models.SlugField(max_length=140, unique=True, editable=False)
    summary = models.CharField(
        max_length=200, help_text="One sentence shown on the listing card in search results."
    )
    description = models.TextField(
        max_length=20000,
        help_text="The project in detail: context, what the student will do, how you will work together. "
        "Markdown is supported (lists, **bold**, links); HTML is not.",
    )
    description_html = models.TextField(editable=False, blank=True)
    deliverables = models.TextField(
        max_length=5000,
        help_text="What the student hands over at the end, one per line: “A 10-slide deck”, “A cleaned CSV”.",
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="listings")
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="listings")
    estimated_hours = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(400)],
        help_text="Total hours of work you expect; micro-internships are usually 5 to 40.",
    )
    fee = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The fixed amount paid for the whole project. Unpaid listings are not accepted.",
    )
    currency = VocabularyField(Currency, max_length=3, default=Currency.USD)
    hourly_rate = models.DecimalField(
        "effective hourly rate",
        max_digits=9,
        decimal_places=2,
        editable=False,
        default=Decimal("0"),
        help_text="Fee ÷ estimated hours.",
    )
    pay_justification = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Only needed when the hourly rate is below the floor: why the pay is fair.",
    )
    also_provided = models.TextField(
        "what else you provide",
        blank=True,
        db_default="",  # Rows inserted in bulk by SQL (the demo's generated listings) too.
        max_length=500,
        help_text="Anything the student gets besides the fee: equipment, software licences, "
        "travel costs. Leave it empty when the fee is all; the listing then says so.",
    )
    location_type = VocabularyField(
        LocationType, max_length=10, default=LocationType.REMOTE, db_index=True
    )
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="Two-letter code, e.g. US.")
    openings = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many students you will hire for this project.",
    )
    application_deadline = models.DateField(
        help_text="Last day students can apply (applications close at the end of this day, UTC)."
    )
    due_date = models.DateField(
        "project due date", help_text="When the deliverables are due. On or after the deadline."
    )
    eligibility = models.TextField(
        "eligibility notes",
        blank=True,
        max_length=2000,
        help_text="Who can apply: year of study, work authorisation, time zone...",
    )
    contact_email = models.EmailField(
        blank=True, help_text="Where students' questions go (shown to staff, not published)."
    )
    status = state_field(Status, default=Status.DRAFT, editable=False)
    moderation_reason = models.CharField(max_length=40, blank=True, editable=False)
    moderation_note = models.TextField(blank=True, max_length=5000, editable=False)
    risk_score = models.PositiveSmallIntegerField(default=0, editable=False, db_index=True)
    risk_signals = models.JSONField(default=list, blank=True, editable=False)
    approved_snapshot = models.JSONField(default=dict, blank=True, editable=False)
    revision = models.PositiveIntegerField(
        default=1,
        db_default=1,  # Rows inserted in bulk by SQL (the demo's generated listings) too.
        editable=False,
        help_text="Raised by every material edit; staff approve the revision they reviewed.",
    )
    search_vector = SearchVectorField(null=True, editable=False)
    created_by = actor_field(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="listing_search_gin"),
            models.Index(fields=["status", "application_deadline"], name="listing_status_deadline"),
            models.Index(fields=["status", "-published_at"], name="listing_status_published"),
            models.Index(fields=["status", "hourly_rate"], name="listing_status_rate"),
            *ORDER_AND_SEARCH_INDEXES,
            # The reports dashboard (reports.queries) joins applications to their listing's
            # industry and counts listings by publication without reading the wide rows.
            models.Index(
                fields=["id"], include=["industry", "published_at"], name="listing_report_cover"
            ),
            # Projects already over (their undecided applications are a dashboard figure).
            models.Index(fields=["due_date"], name="listing_due_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="listing_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(estimated_hours__gt=0), name="listing_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(openings__gte=1), name="listing_openings_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(application_deadline__lte=F("due_date")),
                name="listing_deadline_before_due_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # --- Derived fields -----------------------------------------------------------------

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            base = slugify(self.title)[:120] or "project"
            self.slug = f"{base}-{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        self.description_html = render_markdown(self.description)
        self.hourly_rate = self.compute_hourly_rate()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "description_html",
                "hourly_rate",
                "updated_at",
            }
        super().save(*args, **kwargs)
        self.refresh_search_vector()

    def get_absolute_url(self) -> str:
        return reverse("listings:detail", kwargs={"slug": self.slug})

    def compute_hourly_rate(self) -> Decimal:
        if not self.estimated_hours or self.fee is None:
            return Decimal("0")
        return (Decimal(self.fee) / Decimal(self.estimated_hours)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def refresh_search_vector(self) -> None:
        """Store the weighted search document: title > skills > summary > description."""
        skills = " ".join(self.skills.values_list("name", flat=True)) if self.pk else ""
        vector = (
            SearchVector(Value(self.title), weight="A", config=SEARCH_CONFIG)
            + SearchVector(Value(skills), weight="B", config=SEARCH_CONFIG)
            + SearchVector(Value(self.summary), weight="C", config=SEARCH_CONFIG)
            + SearchVector(
                Value(f"{self.description} {self.deliverables} {self.organization.name}"),
                weight="D",
                config=SEARCH_CONFIG,
            )
        )
        Listing.objects.filter(pk=self.pk).update(search_vector=vector)

    @property
    def is_open(self) -> bool:
        """Published and the deadline has not passed."""
        return (
            self.status == self.Status.PUBLISHED
            and self.application_deadline >= timezone.localdate()
            and not self.organization.is_suspended
        )

    #: What a listing says when the fee is all the student gets (pay transparency).
    NOTHING_BESIDES_FEE = "Nothing besides the fee: no benefits, equipment or travel costs."

    @property
    def besides_fee(self) -> str:
        """What the student gets besides the fee, in words; never left unsaid."""
        return self.also_provided.strip() or self.NOTHING_BESIDES_FEE

    @property
    def days_left(self) -> int:
        """Days until applications close (0 on the last day)."""
        return (self.application_deadline - timezone.localdate()).days

    @property
    def deadline_at(self) -> datetime.datetime:
        """The moment applications close: the end of the deadline day."""
        end = datetime.datetime.combine(self.application_deadline, datetime.time.max)
        return timezone.make_aware(end, datetime.UTC)

    @property
    def below_pay_floor(self) -> bool:
        return self.hourly_rate < Decimal(settings.MIN_HOURLY_RATE)

    @property
    def deliverable_list(self) -> list[str]:
        return [
            line.strip(" -*•\t") for line in self.deliverables.splitlines() if line.strip(" -*•\t")
        ]

    def snapshot(self) -> dict:
        """The material fields as normalized text, to compare versions of the listing."""

        def as_text(name: str) -> str:
            if name == "skills":
                if not self.pk:
                    return ""
                return ", ".join(self.skills.order_by("name").values_list("name", flat=True))
            if name == "industry":
                return self.industry.name if self.industry_id else ""
            value = getattr(self, name)
            if isinstance(value, Decimal):
                return str(value.quantize(Decimal("0.01")))
            return normalize_text("" if value is None else str(value))

        return {name: as_text(name) for name in self.MATERIAL_FIELDS}

    def changed_fields(self, before: dict) -> list[str]:
        """The material fields whose normalized value differs from `before` (a snapshot)."""
        now = self.snapshot()
        return [
            name
            for name in self.MATERIAL_FIELDS
            if normalize_text(str(before.get(name, ""))) != now[name]
        ]

    def changes_since_approval(self) -> list[dict]:
        """Field-by-field differences with the last approved version (empty if never approved)."""
        if not self.approved_snapshot:
            return []
        current = self.snapshot()
        return [
            {
                "field": name,
                "label": self._label(name),
                "before": self.approved_snapshot.get(name, ""),
                "after": value,
            }
            for name, value in current.items()
            # A version approved before a field was compared has nothing to compare it with.
            if name in self.approved_snapshot
            and normalize_text(str(self.approved_snapshot[name])) != value
        ]

    def _label(self, name: str) -> str:
        return str(self._meta.get_field(name).verbose_name).capitalize()

    def _labels(self, names: list[str]) -> str:
        return ", ".join(self._label(name).lower() for name in names)

    # --- Transitions ------------------------------------------------------------------

    def transition_refused(self, current: str, transition: Transition, target: str) -> str:
        return (
            f"“{self.title}” is {self.TRANSITIONS.label(current).lower()}; "
            f"it cannot be {transition.verb} from there."
        )

    def date_range_errors(self) -> dict[str, list[str]]:
        """What is wrong with the dates: a deadline over a year ahead, a project over a year."""
        errors: dict[str, list[str]] = {}
        deadline, due_date = self.application_deadline, self.due_date
        # Differences, not sums: adding a year to 9999-12-31 would overflow.
        if deadline and (deadline - timezone.localdate()).days > MAX_DEADLINE_AHEAD_DAYS:
            errors["application_deadline"] = [
                f"Choose an application deadline within {MAX_DEADLINE_AHEAD_DAYS} days from "
                "today: students plan for the months ahead, not years."
            ]
        if deadline and due_date and (due_date - deadline).days > MAX_PROJECT_DAYS:
            errors["due_date"] = [
                f"Choose a due date within {MAX_PROJECT_DAYS} days after the application "
                "deadline: a micro-internship is a short project."
            ]
        return errors

    def check_submittable(self) -> None:
        """Raise ValidationError with every reason this listing cannot go to review yet."""
        errors: dict[str, list[str]] = self.date_range_errors()
        if self.fee is None or self.fee <= 0:
            errors.setdefault("fee", []).append(
                "Micro-internships on MicroIntern are paid: enter the fee you will pay."
            )
        elif self.below_pay_floor and not self.pay_justification.strip():
            errors.setdefault("pay_justification", []).append(
                f"This pays {self.hourly_rate} {self.currency} an hour, below the "
                f"{settings.MIN_HOURLY_RATE} {self.currency} floor. Raise the fee, lower the hours, "
                "or explain here why the pay is fair."
            )
        if self.application_deadline and self.application_deadline < timezone.localdate():
            errors.setdefault("application_deadline", []).append(
                "The application deadline has passed; choose a date from today on."
            )
        if self.organization.is_suspended:
            errors.setdefault("__all__", []).append(
                "Your organization is suspended; contact the career center."
            )
        if errors:
            raise ValidationError(errors)

    def submit(self, *, by, note: str = "") -> None:
        """Send a draft (or a listing with requested changes) to the career center for review."""
        self.check_submittable()
        self.apply_transition("submit", by=by, note=note, fields=self._risk_fields())

    def _risk_fields(self) -> dict:
        signals = risk.assess(self)
        return {"risk_signals": [s.as_dict() for s in signals], "risk_score": risk.score(signals)}

    def resubmit_after_edit(self, *, by, changed: list[str]) -> None:
        """A material edit to a published listing takes it down and sends it back to review."""
        note = f"Edited after publication: {self._labels(changed)}."
        self._revise("resubmit_after_edit", by=by, reason="material_edit", note=note)

    def revise_in_review(self, *, by, changed: list[str]) -> None:
        """An edit while waiting for review: it keeps its place in the queue."""
        note = f"Edited while waiting for review: {self._labels(changed)}."
        self._revise("revise_in_review", by=by, reason="edited_in_review", note=note)

    def _revise(self, transition: str, *, by, reason: str, note: str) -> None:
        """A new revision to review: its risk signals computed again, the edit in its history."""
        self.apply_transition(
            transition,
            by=by,
            note=note,
            event_fields={"reason": reason},
            fields={"revision": F("revision") + 1, **self._risk_fields()},
        )
        self.refresh_from_db(fields=["revision"])

    def record_edit(self, *, by, before: dict) -> list[str]:
        """Act on an edit, given the listing's `snapshot()` from before it; the changed fields.

        Any material change raises the revision, so staff approve only the version they
        reviewed. A published listing leaves public view and goes back to review with its
        risk signals computed again; a listing waiting for review gets its signals computed
        again and an event naming what changed. A no-op save (line endings, trailing
        spaces) changes nothing.
        """
        with transaction.atomic():
            locked = Listing.objects.select_for_update().get(pk=self.pk)
            changed = locked.changed_fields(before)
            if not changed:
                return []
            if locked.status == self.Status.PUBLISHED:
                locked.resubmit_after_edit(by=by, changed=changed)
            elif locked.status == self.Status.SUBMITTED:
                locked.revise_in_review(by=by, changed=changed)
            elif locked.status in self.EDITABLE_STATES:
                Listing.objects.filter(pk=self.pk).update(revision=F("revision") + 1)
                locked.refresh_from_db(fields=["revision"])
            else:
                raise ValidationError(
                    f"“{locked.title}” is {locked.get_status_display().lower()}; "
                    "it cannot be edited any more."
                )
            for name in ("status", "submitted_at", "revision", "risk_signals", "risk_score"):
                setattr(self, name, getattr(locked, name))
        return changed

    def approve(self, *, by, note: str = "", revision: int | None = None) -> None:
        """Publish a submitted listing (only for a verified organization).

        `revision` is the version staff reviewed: if the listing changed since, it is not
        published, so what students see is always what staff read.
        """
        with transaction.atomic():
            locked = (
                Listing.objects.select_for_update(of=("self",))
                .select_related("organization")
                .get(pk=self.pk)
            )
            if revision is not None and locked.revision != revision:
                raise ValidationError(
                    f"“{locked.title}” changed after you opened it; "
                    "review the new version before approving it."
                )
            if not locked.organization.is_verified:
                raise ValidationError(
                    f"{locked.organization} is not verified; verify the organization before "
                    "publishing its listings."
                )
            if locked.application_deadline < timezone.localdate():
                raise ValidationError(
                    f"“{locked.title}” has a deadline in the past; request changes instead."
                )
            self.apply_transition(
                "approve",
                by=by,
                note=note,
                fields={
                    "published_at": locked.published_at or timezone.now(),
                    # What is published is what was locked and checked, not this object.
                    "approved_snapshot": locked.snapshot(),
                    "moderation_reason": "",
                    "moderation_note": "",
                },
            )

    def request_changes(self, *, by, reason: str, note: str = "") -> None:
        """Send a submitted listing back to its organization with what to change."""
        self._moderate("request_changes", by=by, reason=reason, note=note)

    def _moderate(self, transition: str, *, by, reason: str, note: str) -> None:
        """Run a moderation decision (changes requested, rejection): its reason and note are
        kept on the listing, for the organization to read, and in its history."""
        self.apply_transition(
            transition,
            by=by,
            note=note,
            event_fields={"reason": reason},
            fields={"moderation_reason": reason, "moderation_note": note},
        )

    def suspend(self, *, by=None, reason: str = "", note: str = "") -> None:
        """Hide a published listing from students until staff decide."""
        self.apply_transition("suspend", by=by, note=note, event_fields={"reason": reason})

    def reinstate(self, *, by, note: str = "") -> None:
        """Publish a suspended listing again; its open reports are dismissed with it.

        Reports that were open when staff put the listing back up were weighed and found
        wanting: left open, one more report would suspend it again at once.
        """
        with transaction.atomic():
            Listing.objects.select_for_update().filter(pk=self.pk).first()
            open_reports = list(self.reports.filter(status=self.reports.model.Status.OPEN))
            count = len(open_reports)
            if count:
                dismissed = f"{count} open report{'s' if count != 1 else ''} dismissed."
                note = f"{note} {dismissed}".strip()
            self.apply_transition("reinstate", by=by, note=note)
            for report in open_reports:
                report.resolve(
                    by=by, upheld=False, note="Dismissed: the listing was published again."
                )

    @property
    def suspended_automatically(self) -> bool:
        """Suspended by the reports rule rather than by a person."""
        if self.status != self.Status.SUSPENDED:
            return False
        last = self.events.filter(to_status=self.Status.SUSPENDED).first()
        return last is not None and last.actor_id is None

    def transition_notice(self, kind: str, audiences: tuple[str, ...], event) -> None:
        """Tell the organization's active members what the career center decided, and why."""
        from listings.notices import tell_organization

        tell_organization(self, kind, event)

    def notify_suspended_by_reports(self, event: ListingEvent) -> None:
        """Tell career-center staff and the organization's members of an automatic suspension."""
        from listings.notices import tell_suspended_by_reports

        tell_suspended_by_reports(self, event)
