"""The export log: every CSV export a staff member starts, small or large, is a row here."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.uploads import private_storage
from lifecycle.fields import VocabularyField, state_field

logger = logging.getLogger(__name__)


def export_path(instance: Export, filename: str) -> str:
    """A random name in private storage: export files leave only through the staff view."""
    return f"exports/{uuid.uuid4().hex}.csv"


class ExportQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExportQuerySet:
        """The exports this person may follow and download: their own (superusers: all)."""
        if not getattr(user, "is_authenticated", False) or not user.is_career_staff:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(requested_by=user)

    def unfinished(self) -> ExportQuerySet:
        """Exports still waiting for, or in, the background task."""
        return self.filter(status__in=[Export.Status.PENDING, Export.Status.RUNNING])


class Export(models.Model):
    """One CSV export asked for by a staff member: what, for which period, with or without emails."""

    class Kind(models.TextChoices):
        LISTINGS = "listings"
        APPLICATIONS = "applications"
        FEEDBACK = "feedback"

    class Delivery(models.TextChoices):
        DIRECT = "direct", "Downloaded at once"
        BACKGROUND = "background", "Prepared in the background"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Being prepared"
        DONE = "done", "Ready"
        FAILED = "failed"

    kind = VocabularyField(Kind)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="exports",
    )
    #: The period and filters as asked: {"date_from", "date_to", "industry"} (ISO dates, a slug).
    filters = models.JSONField(default=dict)
    include_emails = models.BooleanField(
        "student emails included",
        default=False,
        help_text="The staff member asked for student email addresses in the file.",
    )
    delivery = VocabularyField(Delivery)
    status = state_field(Status, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, storage=private_storage, blank=True)
    error = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")),
                name="export_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} export {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("reports:export_detail", kwargs={"pk": self.pk})

    @property
    def period_label(self) -> str:
        """“2026-01-01 to 2026-01-31, Software” from the recorded filters."""
        label = f"{self.filters.get('date_from', '?')} to {self.filters.get('date_to', '?')}"
        if self.filters.get("industry_name"):
            label += f", {self.filters['industry_name']}"
        return label

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent_done(self) -> int:
        """Progress in whole percent (100 once done)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def download_name(self) -> str:
        """microintern-applications-2026-01-01-to-2026-01-31.csv"""
        return (
            f"microintern-{self.kind}-{self.filters.get('date_from', '')}"
            f"-to-{self.filters.get('date_to', '')}.csv"
        )

    # --- Creation ----------------------------------------------------------------------------

    @classmethod
    def request(cls, *, kind: str, period, include_emails: bool, by) -> Export:
        """Log an export; small ones are ready to stream now, large ones go to the worker."""
        from reports import exports

        include_emails = bool(include_emails) and kind in exports.EMAIL_SOURCE
        rows = exports.count_rows(kind, period)
        now = timezone.now()
        fields = {
            "kind": kind,
            "requested_by": by,
            "filters": period.as_filters(),
            "include_emails": include_emails,
            "rows_total": rows,
            "created_at": now,
        }
        if rows <= exports.inline_limit():
            return cls.objects.create(
                **fields,
                delivery=cls.Delivery.DIRECT,
                status=cls.Status.DONE,
                rows_done=rows,
                started_at=now,
                finished_at=now,
            )
        export = cls.objects.create(
            **fields, delivery=cls.Delivery.BACKGROUND, status=cls.Status.PENDING
        )
        transaction.on_commit(export.enqueue)
        return export

    def enqueue(self) -> None:
        """Hand the export to the worker; if the broker is unreachable, say so on the row."""
        from reports.tasks import build_export

        try:
            build_export.delay(self.pk)
        except Exception:  # the broker may be down in any number of ways
            logger.warning("Could not queue export %s.", self.pk, exc_info=True)
            Export.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
                status=self.Status.FAILED,
                error="The background worker could not be reached. Start the export again.",
                finished_at=timezone.now(),
            )

    # --- Transitions (the background task's steps) ---------------------------------------

    def start(self, *, rows_total: int) -> bool:
        """Claim a pending (or redelivered running) export for the task; False if finished."""
        with transaction.atomic():
            locked = Export.objects.select_for_update().get(pk=self.pk)
            if locked.status not in {self.Status.PENDING, self.Status.RUNNING}:
                return False
            self.status = self.Status.RUNNING
            self.rows_total = rows_total
            self.rows_done = 0
            self.started_at = timezone.now()
            self.error = ""
            self.save(update_fields=["status", "rows_total", "rows_done", "started_at", "error"])
        return True

    def record_progress(self, rows_done: int) -> None:
        """Store how many rows are written so far (read by the progress page)."""
        self.rows_done = min(rows_done, self.rows_total)
        Export.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            rows_done=self.rows_done
        )

    def finish(self, *, name: str, content, rows: int) -> None:
        """Store the file, mark the export ready and tell the person who asked for it."""
        from notifications.outbox import queue_email

        with transaction.atomic():
            self.file.save(name, content, save=False)
            self.rows_total = max(self.rows_total, rows)
            self.rows_done = rows
            self.status = self.Status.DONE
            self.finished_at = timezone.now()
            self.save(update_fields=["file", "rows_total", "rows_done", "status", "finished_at"])
            person = self.requested_by
            if person is not None:
                queue_email(
                    to=person.email,
                    recipient=person,
                    kind="reports.export_ready",
                    template="reports/email/export_ready",
                    context={"export": self, "person": person},
                    link=self.get_absolute_url(),
                    dedupe_key=f"reports.export_ready:{self.pk}",
                )

    def fail(self, *, error: str) -> None:
        """Record why the export could not be prepared."""
        self.status = self.Status.FAILED
        self.error = error[:2000]
        self.finished_at = timezone.now()
        Export.objects.filter(pk=self.pk).update(
            status=self.status, error=self.error, finished_at=self.finished_at
        )
