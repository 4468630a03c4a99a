"""Conversations on applications: messages between a student and the organization, reports of
messages to the career center, and the check-ins halfway through an engagement."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from lifecycle.fields import VocabularyField, actor_field
from messaging import scam


class Side(models.TextChoices):
    """The two sides of a conversation."""

    STUDENT = "student"
    ORGANIZATION = "organization"


def side_of(application: Application, user) -> str | None:
    """Which side of this application's conversation `user` is on, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    if application.student_id == user.pk:
        return Side.STUDENT
    if user.employer_organizations().filter(pk=application.listing.organization_id).exists():
        return Side.ORGANIZATION
    return None


def participating(user) -> models.QuerySet[Application]:
    """The applications whose conversation `user` takes part in: their own, or their
    organizations' applicants. Everyone else's is a 404."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(
        Q(student=user) | Q(listing__organization__in=user.employer_organizations())
    ).select_related("listing__organization", "student")


def people_on(application: Application, side: str) -> list:
    """The people to tell on one side of a conversation (the organization: its active
    members with a confirmed address)."""
    if side == Side.STUDENT:
        return [application.student]
    return list(application.listing.organization.members_to_tell())


def check_in_date(application: Application) -> datetime.date | None:
    """The day halfway between acceptance and the due date (None before acceptance)."""
    if application.accepted_at is None:
        return None
    accepted = timezone.localdate(application.accepted_at)
    due = application.listing.due_date
    return accepted + (due - accepted) / 2 if due > accepted else due


def check_in_open(application: Application, today: datetime.date | None = None) -> bool:
    """Whether both sides are asked how the work goes: halfway there and still working."""
    when = check_in_date(application)
    today = today or timezone.localdate()
    return (
        when is not None
        and application.status in Application.IN_PROGRESS
        and when <= today <= application.listing.due_date
    )


class MessageQuerySet(models.QuerySet):
    def in_thread(self, application: Application) -> MessageQuerySet:
        """One application's conversation, oldest first, with the authors."""
        return (
            self.filter(application=application)
            .select_related("author")
            .order_by("created_at", "pk")
        )

    def reported(self) -> MessageQuerySet:
        """Messages someone reported to the career center."""
        return self.filter(Exists(MessageReport.objects.filter(message=OuterRef("pk"))))


class Message(models.Model):
    """One message in an application's conversation: plain text, never rendered as HTML."""

    MAX_LENGTH = 2000

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = actor_field(blank=False)
    side = VocabularyField(Side)
    body = models.TextField(max_length=MAX_LENGTH)
    #: What the scam guard found in it ("telegram", "deposit"): the student is warned.
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"Message {self.pk} on {self.application_id}"

    @property
    def from_organization(self) -> bool:
        return self.side == Side.ORGANIZATION

    @property
    def author_name(self) -> str:
        """Who wrote it, as both sides read it."""
        if self.author is None:
            return "A former member" if self.from_organization else "The student"
        return self.author.display_name

    @classmethod
    def write(cls, *, application: Application, author, body: str) -> Message:
        """Add `author`'s message to the conversation and tell the other side.

        Only the student and the organization's members write; an organization's message
        that asks the student to move off the platform or to pay carries a warning for the
        student and becomes a risk signal on the listing.
        """
        from messaging import notices

        side = side_of(application, author)
        if side is None:
            raise ValidationError("Only the student and the organization write here.")
        body = body.strip()
        if not body:
            raise ValidationError({"body": "Write your message."})
        if len(body) > cls.MAX_LENGTH:
            raise ValidationError({"body": f"Keep your message under {cls.MAX_LENGTH} characters."})
        with transaction.atomic():
            # One writer at a time per conversation: the email digest reads what came before.
            Application.objects.select_for_update().filter(pk=application.pk).first()
            warnings = []
            if side == Side.ORGANIZATION:
                first = not cls.objects.filter(
                    application=application, side=Side.ORGANIZATION
                ).exists()
                warnings = scam.warnings_in(body, first_from_organization=first)
            message = cls.objects.create(
                application=application, author=author, side=side, body=body, warnings=warnings
            )
            notices.message_written(message)
            if warnings:
                notices.scam_signal(message)
        return message


class MessageReport(models.Model):
    """A message its recipient sent to the career center; staff may then read the thread."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = actor_field()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_message")
        ]

    def __str__(self) -> str:
        return f"Report of message {self.message_id}"

    def get_absolute_url(self) -> str:
        return reverse("messaging_staff:thread", kwargs={"pk": self.message.application_id})

    @classmethod
    def file(cls, *, message: Message, reporter, reason: str = "") -> MessageReport:
        """The recipient of `message` reports it; the career center is told."""
        from messaging import notices

        side = side_of(message.application, reporter)
        if side is None or side == message.side:
            raise ValidationError("Only the person a message was written to can report it.")
        with transaction.atomic():
            report, created = cls.objects.get_or_create(
                message=message, reporter=reporter, defaults={"reason": reason.strip()}
            )
            if created:
                notices.report_filed(report)
        return report

    @classmethod
    def review_thread(cls, application: Application, *, by) -> int:
        """Staff have read the reported conversation: its open reports are done."""
        return cls.objects.filter(
            message__application=application, reviewed_at__isnull=True
        ).update(reviewed_at=timezone.now(), reviewed_by=by)


class CheckInQuerySet(models.QuerySet):
    def needing_help(self) -> CheckInQuerySet:
        """'Need help' answers the career center has not dealt with yet."""
        return self.filter(answer=CheckIn.Answer.NEED_HELP, handled_at__isnull=True)


class CheckIn(models.Model):
    """One side's answer, halfway through the work, to 'how is it going?'."""

    class Answer(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        NEED_HELP = "need_help", "Need help"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="check_ins")
    side = VocabularyField(Side, constraint="check_in_side_valid")
    answer = VocabularyField(Answer, constraint="check_in_answer_valid")
    by = actor_field(blank=False)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = actor_field()

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "side"], name="one_check_in_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} check-in on {self.application_id}"

    @classmethod
    def answer_for(cls, *, application: Application, by, answer: str) -> CheckIn:
        """Record one side's answer (once per side); 'need help' tells the career center."""
        from messaging import notices

        side = side_of(application, by)
        if side is None:
            raise ValidationError("Only the student and the organization answer this check-in.")
        if answer not in cls.Answer.values:
            raise ValidationError("Choose “On track” or “Need help”.")
        if not check_in_open(application):
            raise ValidationError("There is no check-in open for this project now.")
        with transaction.atomic():
            check_in, created = cls.objects.get_or_create(
                application=application, side=side, defaults={"answer": answer, "by": by}
            )
            if not created:
                raise ValidationError(
                    f"Your side already answered: {check_in.get_answer_display().lower()}."
                )
            if answer == cls.Answer.NEED_HELP:
                notices.help_asked(check_in)
        return check_in

    def mark_handled(self, *, by) -> None:
        """The career center took the request for help in hand."""
        CheckIn.objects.filter(pk=self.pk, handled_at__isnull=True).update(
            handled_at=timezone.now(), handled_by=by
        )
