"""An application: a student's answer to one listing, its lifecycle and what it tells people."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.uploads import private_storage, validate_resume
from applications.models.payment import Payment, PaymentStatus
from lifecycle import Lifecycle, LifecycleModel, Transition
from lifecycle.fields import state_field
from listings.models import Listing

if TYPE_CHECKING:
    from applications.models.events import ApplicationEvent
    from applications.models.feedback import Feedback


def application_resume_path(instance: Application, filename: str) -> str:
    import uuid

    return f"applications/{uuid.uuid4().hex}.pdf"


class SubqueryCount(Subquery):
    """The number of rows a subquery returns, as one column of the outer query."""

    template = "(SELECT count(*) FROM (%(subquery)s) _count)"
    output_field = models.IntegerField()


class ApplicationQuerySet(models.QuerySet):
    def for_student(self, user) -> ApplicationQuerySet:
        """One student's applications."""
        return self.filter(student=user)

    def for_organizations(self, organizations) -> ApplicationQuerySet:
        """Applications to listings of these organizations."""
        return self.filter(listing__organization__in=organizations)

    def undecided(self) -> ApplicationQuerySet:
        """Applications still waiting for the employer's decision (before any offer)."""
        return self.filter(status__in=Application.PRE_OFFER)

    def engaged(self) -> ApplicationQuerySet:
        """Accepted engagements: they fill the listing's openings."""
        return self.filter(status__in=Application.ENGAGED)

    def holding_openings(self) -> ApplicationQuerySet:
        """Offers out plus accepted engagements: what the openings must cover."""
        return self.filter(status__in=Application.ENGAGED | {Application.Status.OFFERED})

    def unsettled(self) -> ApplicationQuerySet:
        """Applications still waiting for a decision, an answer or the work: not yet final."""
        return self.filter(status__in=Application.UNSETTLED)

    def in_progress(self) -> ApplicationQuerySet:
        """Accepted engagements whose work is not done yet."""
        return self.filter(status__in=Application.IN_PROGRESS)

    def payment_outstanding(self) -> ApplicationQuerySet:
        """Completed engagements whose payment the student has not confirmed."""
        return self.filter(status=Application.Status.COMPLETED).exclude(
            payment_status=PaymentStatus.PAID
        )

    def unpaid_after(self, days: int) -> ApplicationQuerySet:
        """Completed at least `days` days ago and still without a confirmed payment."""
        since = timezone.now() - datetime.timedelta(days=days)
        return self.payment_outstanding().filter(completed_at__lte=since)

    def offers_past_expiry(self) -> ApplicationQuerySet:
        """Offers whose response time is over."""
        return self.filter(status=Application.Status.OFFERED, offer_expires_at__lt=timezone.now())

    def with_dashboard_data(self) -> ApplicationQuerySet:
        """What the student dashboard shows, in a constant number of queries."""
        return self.select_related("listing__organization").prefetch_related("feedback")

    def with_timeline(self) -> ApplicationQuerySet:
        """The dashboard data plus each application's events (for its own page)."""
        return self.with_dashboard_data().prefetch_related("events")

    def with_skills_match(self) -> ApplicationQuerySet:
        """Annotate how many skills the listing asks for and how many the student's profile has."""
        listing_skills = Listing.skills.through.objects.filter(listing_id=OuterRef("listing_id"))
        return self.annotate(
            skills_wanted=SubqueryCount(listing_skills.values("pk")),
            skills_matched=SubqueryCount(
                listing_skills.filter(skill__students__user_id=OuterRef("student_id")).values("pk")
            ),
        )

    def settle(self, *, note: str) -> int:
        """A listing that ends leaves no one waiting: undecided, offered and working alike.

        Cancelled, removed or rejected: each student is told, in `note`, why.
        """
        settled = self.close_undecided(note=note)
        for application in self.filter(
            status__in=Application.IN_PROGRESS | {Application.Status.OFFERED}
        ).select_related("listing__organization", "student"):
            try:
                if application.status == Application.Status.OFFERED:
                    application.expire_offer(note=note)
                else:
                    application.mark_incomplete(by=None, reason=note)
            except ValidationError:
                continue
            settled += 1
        return settled

    def close_undecided(self, *, note: str) -> int:
        """Move every undecided application here to not selected, telling each student."""
        closed = 0
        for application in self.undecided().select_related("listing__organization", "student"):
            try:
                application.not_select(by=None, message=note)
            except ValidationError:
                continue  # decided meanwhile
            closed += 1
        return closed

    def withdraw_offers(self, *, note: str) -> int:
        """Take back every open offer here (the openings are gone), telling each student."""
        withdrawn = 0
        for application in self.filter(status=Application.Status.OFFERED).select_related(
            "listing__organization", "student"
        ):
            try:
                application.expire_offer(note=note)
            except ValidationError:
                continue  # answered meanwhile
            withdrawn += 1
        return withdrawn


@dataclass(frozen=True)
class NextStep:
    """What happens next in an application, and by when (for the student's dashboard)."""

    text: str
    due: datetime.datetime | datetime.date | None = None


class Application(LifecycleModel, Payment):
    """One student's application to one listing; after selection it carries the engagement."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        VIEWED = "viewed", "Viewed by the employer"
        SHORTLISTED = "shortlisted"
        OFFERED = "offered", "Offer made"
        ACCEPTED = "accepted", "Offer accepted: working"
        DECLINED = "declined", "Offer declined"
        OFFER_EXPIRED = "offer_expired", "Offer expired"
        WORK_SUBMITTED = "work_submitted", "Work submitted"
        REVISION_REQUESTED = "revision_requested", "Revision requested"
        COMPLETED = "completed"
        INCOMPLETE = "incomplete", "Not completed"
        NOT_SELECTED = "not_selected", "Not selected"
        WITHDRAWN = "withdrawn"

    PRE_OFFER = {Status.SUBMITTED, Status.VIEWED, Status.SHORTLISTED}
    PRE_ACCEPTANCE = PRE_OFFER | {Status.OFFERED}
    ENGAGED = {Status.ACCEPTED, Status.WORK_SUBMITTED, Status.REVISION_REQUESTED, Status.COMPLETED}
    IN_PROGRESS = {Status.ACCEPTED, Status.WORK_SUBMITTED, Status.REVISION_REQUESTED}
    #: Engagements whose work the student owes (first version or revision).
    WORK_DUE = {Status.ACCEPTED, Status.REVISION_REQUESTED}
    UNSETTLED = PRE_ACCEPTANCE | IN_PROGRESS
    FINAL = {
        Status.DECLINED,
        Status.OFFER_EXPIRED,
        Status.COMPLETED,
        Status.INCOMPLETE,
        Status.NOT_SELECTED,
        Status.WITHDRAWN,
    }

    #: Every way an application's status changes, each a method of the same name. `tell`:
    #: who is emailed the news ("student", "employer": the organization's members), in the
    #: email named after the state reached; `notify` names any other email.
    TRANSITIONS = Lifecycle(
        Status,
        mark_viewed=Transition(Status.SUBMITTED, Status.VIEWED, "marked viewed", stamp="viewed_at"),
        shortlist=Transition(
            {Status.SUBMITTED, Status.VIEWED}, Status.SHORTLISTED, "shortlisted", tell="student"
        ),
        offer=Transition(
            PRE_OFFER, Status.OFFERED, "offered", stamp=("offered_at", "decided_at"), tell="student"
        ),
        accept=Transition(
            Status.OFFERED, Status.ACCEPTED, "accepted", stamp="accepted_at", tell="employer"
        ),
        decline=Transition(
            Status.OFFERED, Status.DECLINED, "declined", tell=("student", "employer")
        ),
        expire_offer=Transition(
            Status.OFFERED, Status.OFFER_EXPIRED, "expired", tell=("student", "employer")
        ),
        withdraw=Transition(
            PRE_ACCEPTANCE, Status.WITHDRAWN, "withdrawn", tell=("student", "employer")
        ),
        # The student deleted their account while working: the organization is told.
        leave=Transition(IN_PROGRESS, Status.INCOMPLETE, "ended", notify={"left": "employer"}),
        not_select=Transition(
            PRE_OFFER,
            Status.NOT_SELECTED,
            "marked not selected",
            stamp="decided_at",
            tell="student",
        ),
        submit_work=Transition(
            WORK_DUE,
            Status.WORK_SUBMITTED,
            "submitted as work",
            stamp="work_submitted_at",
            tell="employer",
        ),
        request_revision=Transition(
            Status.WORK_SUBMITTED,
            Status.REVISION_REQUESTED,
            "sent back for revision",
            tell="student",
        ),
        complete=Transition(
            Status.WORK_SUBMITTED,
            Status.COMPLETED,
            "marked complete",
            stamp="completed_at",
            tell="student",
            notify={"feedback_requested": "employer"},
        ),
        mark_incomplete=Transition(
            IN_PROGRESS, Status.INCOMPLETE, "marked incomplete", tell="student"
        ),
    )

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="applications")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    pitch = models.TextField(
        max_length=3000,
        help_text="Why you, and how you would approach the deliverables. A few short paragraphs.",
    )
    availability_confirmed = models.BooleanField(default=False)
    resume = models.FileField(
        upload_to=application_resume_path,
        storage=private_storage,
        blank=True,
        validators=[validate_resume],
    )
    status = state_field(Status, default=Status.SUBMITTED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    work_submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    work_links = models.JSONField(default=list, blank=True)
    work_note = models.TextField(max_length=3000, blank=True)
    #: The employer's latest words to the student (not selected, revision, incomplete).
    employer_message = models.TextField(max_length=3000, blank=True)

    objects = ApplicationQuerySet.as_manager()

    #: What happened to an application after it was sent, in the order it happens.
    DECISION_DATES = [
        "viewed_at",
        "decided_at",
        "offered_at",
        "offer_expires_at",
        "accepted_at",
        "work_submitted_at",
        "completed_at",
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "student"], name="one_application_per_listing"
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.listing}"

    def get_absolute_url(self) -> str:
        return reverse("applications:detail", kwargs={"pk": self.pk})

    # --- Derived ------------------------------------------------------------------------

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def can_withdraw(self) -> bool:
        """The student may still withdraw (the `withdraw` transition starts here)."""
        return "withdraw" in self.allowed_transitions()

    @property
    def can_submit_work(self) -> bool:
        """The student may hand in work now (the `submit_work` transition starts here)."""
        return "submit_work" in self.allowed_transitions()

    @property
    def next_step(self) -> NextStep | None:
        """The student's next step in plain words, with its date."""
        s = self.Status
        listing = self.listing
        if self.status in self.PRE_OFFER:
            if listing.is_open:
                return NextStep(
                    f"Wait for {listing.organization}'s decision; applications close on",
                    listing.application_deadline,
                )
            return NextStep(
                f"Applications are closed; {listing.organization} decides by", listing.decide_by
            )
        if self.status == s.OFFERED:
            return NextStep("Respond to the offer by", self.offer_expires_at)
        if self.status in self.WORK_DUE:
            return NextStep("Submit your work by", listing.due_date)
        if self.status == s.WORK_SUBMITTED:
            return NextStep(
                f"{listing.organization} reviews your work; it was due on", listing.due_date
            )
        if self.status == s.COMPLETED and self.payment_status == PaymentStatus.RECORDED:
            return NextStep(f"Tell us whether {listing.organization}'s payment reached you")
        if self.status == s.COMPLETED and not self.feedback_given_by(
            self.feedback.model.Author.STUDENT
        ):
            return NextStep("Rate your experience by", self.feedback_open_until)
        return None

    @property
    def feedback_open_until(self) -> datetime.datetime | None:
        if not self.completed_at:
            return None
        return self.completed_at + datetime.timedelta(days=settings.FEEDBACK_WINDOW_DAYS)

    def feedback_given_by(self, role: str) -> Feedback | None:
        """This application's feedback from one side (uses prefetched rows when present)."""
        return next((f for f in self.feedback.all() if f.author_role == role), None)

    # --- Creation -------------------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        listing: Listing,
        student,
        pitch: str,
        availability_confirmed: bool,
        resume=None,
    ) -> Application:
        """Apply to an open listing; raises ValidationError, or AlreadyApplied with the existing one."""
        profile = getattr(student, "student_profile", None)
        if profile is None:
            raise ValidationError("Only students can apply. Sign in with a student account.")
        if student.employer_organizations().filter(pk=listing.organization_id).exists():
            raise ValidationError("You cannot apply to your own organization's project.")
        if not listing.is_open:
            raise ValidationError(f"“{listing.title}” no longer accepts applications.")
        if not availability_confirmed:
            raise ValidationError(
                {"availability_confirmed": "Confirm that you can finish the work by the due date."}
            )
        existing = cls.objects.filter(listing=listing, student=student).first()
        if existing is not None:
            raise AlreadyApplied(existing)
        if resume is None and not profile.resume:
            raise ValidationError({"resume": "Add a résumé (PDF) to apply."})
        application = cls(
            listing=listing,
            student=student,
            pitch=pitch.strip(),
            availability_confirmed=True,
        )
        # The application keeps its own copy: later profile changes don't rewrite history.
        if resume is not None:
            resume.seek(0)
            application.resume.save("resume.pdf", ContentFile(resume.read()), save=False)
        else:
            with profile.resume.open("rb") as source:
                application.resume.save("resume.pdf", ContentFile(source.read()), save=False)
        try:
            with transaction.atomic():
                application.save()
                event = application.write_event(
                    by=student, from_status="", to_status=cls.Status.SUBMITTED
                )
                application._notify("submitted", [student], event)
                members = list(listing.organization.active_members())
                application._notify("received", members, event)
        except IntegrityError:
            application.resume.delete(save=False)
            raise AlreadyApplied(cls.objects.get(listing=listing, student=student)) from None
        except BaseException:
            # Not saved (the database went away, say): keep no copy of the résumé either.
            application.resume.delete(save=False)
            raise
        return application

    # --- Transitions ------------------------------------------------------------------------

    def transition_refused(self, current: str, transition: Transition, target: str) -> str:
        return (
            f"This application {STATE_PHRASES.get(current, 'is ' + current)}; "
            f"it cannot be {transition.verb} now."
        )

    def _employer_people(self) -> list:
        return list(self.listing.organization.active_members())

    def mark_viewed(self, *, by) -> bool:
        """An employer opened the application: submitted becomes viewed (once)."""
        if self.status != self.Status.SUBMITTED:
            return False
        try:
            self.apply_transition("mark_viewed", by=by)
        except ValidationError:
            return False
        return True

    def shortlist(self, *, by) -> None:
        """Keep the student in the running."""
        self.apply_transition("shortlist", by=by)

    def offer(self, *, by, message: str = "") -> None:
        """Offer the project; offers out plus accepted can never exceed the openings."""
        with transaction.atomic():
            listing = Listing.objects.select_for_update().get(pk=self.listing_id)
            if (
                listing.status != Listing.Status.PUBLISHED
                and listing.status != Listing.Status.CLOSED
            ):
                raise ValidationError(
                    f"“{listing.title}” is {listing.get_status_display().lower()}."
                )
            holding = listing.applications.holding_openings().count()
            if holding >= listing.openings:
                raise ValidationError(
                    f"All {listing.openings} opening(s) of “{listing.title}” are taken by offers "
                    "or accepted students. Wait for an answer, or raise the openings."
                )
            now = timezone.now()
            self.apply_transition(
                "offer",
                by=by,
                note=message,
                at=now,
                fields={
                    "offer_expires_at": now + datetime.timedelta(days=settings.OFFER_RESPONSE_DAYS),
                    "employer_message": message,
                },
            )

    def accept(self, *, by) -> None:
        """The student takes the offer; when the openings fill, the rest are told."""
        if by != self.student:
            raise ValidationError("Only the student can accept this offer.")
        with transaction.atomic():
            listing = Listing.objects.select_for_update().get(pk=self.listing_id)
            if self.status == self.Status.OFFERED and self.offer_expires_at < timezone.now():
                raise ValidationError("This offer has expired.")
            if listing.applications.engaged().count() >= listing.openings:
                raise ValidationError(f"All openings of “{listing.title}” are already filled.")
            self.apply_transition("accept", by=by)
            if listing.applications.engaged().count() >= listing.openings:
                listing.applications.all().close_undecided(
                    note=f"All openings of “{listing.title}” are filled, so your application "
                    "cannot go further."
                )
                listing.applications.exclude(pk=self.pk).withdraw_offers(
                    note="We are sorry: the last opening was taken before you answered, so "
                    "this offer is withdrawn."
                )
                if listing.status == Listing.Status.PUBLISHED:
                    listing.close(by=None, note="All openings are filled.")

    def decline(self, *, by) -> None:
        """The student turns the offer down; the opening is free again."""
        if by != self.student:
            raise ValidationError("Only the student can decline this offer.")
        self.apply_transition("decline", by=by)

    def expire_offer(self, *, note: str = "The offer was not answered in time.") -> None:
        """The offer lapses: its response time is over, or the project was called off."""
        self.apply_transition("expire_offer", by=None, note=note)

    def withdraw(self, *, by) -> None:
        """The student withdraws before accepting."""
        if by != self.student:
            raise ValidationError("Only the student can withdraw this application.")
        self.apply_transition("withdraw", by=by)

    def leave(self, *, by) -> None:
        """The student deleted their account mid-engagement: it ends, and the organization hears."""
        self.apply_transition(
            "leave",
            by=by,
            note="The student deleted their account.",
            fields={"employer_message": ""},
        )

    def not_select(self, *, by, message: str = "") -> None:
        """Close an undecided application (by the employer, or by the system with by=None)."""
        self.apply_transition(
            "not_select", by=by, note=message, fields={"employer_message": message}
        )

    def submit_work(self, *, by, links: list[str], note: str = "") -> None:
        """The student hands in the deliverables (links and a note)."""
        if by != self.student:
            raise ValidationError("Only the student can submit the work.")
        links = [link.strip() for link in links if link.strip()]
        if not links and not note.strip():
            raise ValidationError("Add at least one link to your work, or a note.")
        self.apply_transition(
            "submit_work", by=by, note=note, fields={"work_links": links, "work_note": note}
        )

    def request_revision(self, *, by, note: str) -> None:
        """The employer asks for changes to the submitted work."""
        if not note.strip():
            raise ValidationError("Say what should change so the student can revise the work.")
        self.apply_transition(
            "request_revision", by=by, note=note, fields={"employer_message": note}
        )

    def complete(self, *, by) -> None:
        """The employer confirms the deliverables: the engagement is done and feedback opens."""
        self.apply_transition("complete", by=by)

    def mark_incomplete(self, *, by, reason: str) -> None:
        """The engagement ended without the deliverables (a reason is required)."""
        if not reason.strip():
            raise ValidationError("Give the reason the work was not completed.")
        self.apply_transition(
            "mark_incomplete", by=by, note=reason, fields={"employer_message": reason}
        )

    # --- Notifications ---------------------------------------------------------------------

    def transition_notice(self, kind: str, audiences: tuple[str, ...], event) -> None:
        people = {"student": lambda: [self.student], "employer": self._employer_people}
        self._notify(kind, [p for audience in audiences for p in people[audience]()], event)

    def _notify(self, kind: str, recipients: list, event: ApplicationEvent) -> None:
        """The student's notices link to the application; the organization's to nothing."""
        context = {"application": self, "listing": self.listing}
        self.tell(
            [p for p in recipients if p == self.student],
            kind,
            event,
            link=self.get_absolute_url(),
            to_student=True,
            **context,
        )
        self.tell(
            [p for p in recipients if p != self.student], kind, event, to_student=False, **context
        )


# How to say where an application stands, in a sentence ("This application ...").
STATE_PHRASES = {
    "submitted": "is waiting to be read",
    "viewed": "has been read and waits for a decision",
    "shortlisted": "is on the shortlist",
    "offered": "has an open offer",
    "accepted": "is an accepted engagement",
    "declined": "was declined by the student",
    "offer_expired": "has an expired offer",
    "work_submitted": "has work waiting for review",
    "revision_requested": "is waiting for a revised version",
    "completed": "is completed",
    "incomplete": "ended without completion",
    "not_selected": "was not selected",
    "withdrawn": "was withdrawn",
    "unpaid": "has no payment recorded yet",
    "payment_recorded": "has a payment waiting for the student's confirmation",
    "paid": "has its payment confirmed by the student",
    "payment_missing": "has a payment the student says has not arrived",
}


class AlreadyApplied(ValidationError):
    """The student already applied to this listing; carries the existing application."""

    def __init__(self, application: Application) -> None:
        super().__init__("You already applied to this project.")
        self.application = application
