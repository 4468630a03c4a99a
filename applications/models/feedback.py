"""Feedback after a completed engagement, from both sides, and the ratings built from it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from applications.models.application import Application
from lifecycle.fields import VocabularyField, actor_field
from notifications.outbox import queue_email


class FeedbackQuerySet(models.QuerySet):
    def about_organization(self, organization) -> FeedbackQuerySet:
        """Students' ratings of one organization's engagements."""
        return self.filter(
            author_role=Feedback.Author.STUDENT, application__listing__organization=organization
        )

    def public_testimonials(self) -> FeedbackQuerySet:
        """Employers' testimonials the student chose to publish."""
        return self.filter(author_role=Feedback.Author.EMPLOYER, public=True)


class Feedback(models.Model):
    """After completion: the employer rates the student, the student rates the experience."""

    class Author(models.TextChoices):
        EMPLOYER = "employer"
        STUDENT = "student"

    #: An organization sees students' ratings only as an average of at least this many.
    MIN_RATINGS_SHOWN = 3

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="feedback")
    author_role = VocabularyField(Author, constraint="feedback_author_valid", max_length=10)
    author = actor_field(blank=False)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2000, blank=True)
    #: For an employer's testimonial: the student chose to show it on their portfolio.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "author_role"], name="one_feedback_per_side"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_role_display()} feedback on {self.application}"

    @property
    def editable_until(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=settings.FEEDBACK_EDIT_DAYS)

    @property
    def is_editable(self) -> bool:
        return timezone.now() <= self.editable_until

    @classmethod
    def give(cls, *, application: Application, author, rating: int, comment: str = "") -> Feedback:
        """Give (or, within the edit window, change) one side's feedback on a completed engagement."""
        if application.status != Application.Status.COMPLETED:
            raise ValidationError("Feedback opens when the engagement is completed.")
        if author == application.student:
            role = cls.Author.STUDENT
        elif application.listing.organization.active_members().filter(pk=author.pk).exists():
            role = cls.Author.EMPLOYER
        else:
            raise ValidationError("Only the student and the organization can give feedback here.")
        if not 1 <= int(rating) <= 5:
            raise ValidationError({"rating": "Choose a rating from 1 to 5."})
        with transaction.atomic():
            feedback = (
                cls.objects.select_for_update()
                .filter(application=application, author_role=role)
                .first()
            )
            if feedback is None:
                return cls.objects.create(
                    application=application,
                    author_role=role,
                    author=author,
                    rating=rating,
                    comment=comment,
                )
            if not feedback.is_editable:
                raise ValidationError(
                    f"Feedback can be changed for {settings.FEEDBACK_EDIT_DAYS} days; this one is final."
                )
            rewritten = (int(rating), comment.strip()) != (
                feedback.rating,
                feedback.comment.strip(),
            )
            was_public = feedback.public
            feedback.author, feedback.rating, feedback.comment = author, rating, comment
            fields = ["author", "rating", "comment", "updated_at"]
            if rewritten and was_public:
                # The student published the words they read, not whatever they become.
                feedback.public = False
                fields.append("public")
            feedback.save(update_fields=fields)
            #: Whether this change took the testimonial off the student's portfolio.
            feedback.unpublished = rewritten and was_public
            if feedback.unpublished:
                feedback._tell_student_testimonial_changed()
            return feedback

    def _tell_student_testimonial_changed(self) -> None:
        application = self.application
        student = application.student
        queue_email(
            to=student.email,
            recipient=student,
            kind="applications.testimonial_changed",
            template="applications/email/testimonial_changed",
            context={
                "application": application,
                "listing": application.listing,
                "person": student,
                "feedback": self,
            },
            link=application.get_absolute_url(),
            dedupe_key=f"applications.testimonial_changed:{self.pk}:{self.updated_at.isoformat()}",
        )

    def set_public(self, *, by, public: bool) -> None:
        """The student shows or hides the employer's testimonial on their portfolio."""
        if self.author_role != self.Author.EMPLOYER or by != self.application.student:
            raise ValidationError("Only the student can publish the employer's testimonial.")
        self.public = public
        self.save(update_fields=["public", "updated_at"])

    @classmethod
    def organization_rating(cls, organization) -> dict | None:
        """Students' average rating of an organization, only once there are enough to be anonymous."""
        summary = cls.objects.about_organization(organization).aggregate(
            average=Avg("rating"), count=Count("pk")
        )
        if summary["count"] < cls.MIN_RATINGS_SHOWN:
            return None
        return {"average": round(summary["average"], 1), "count": summary["count"]}
