from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def pending(self) -> NotificationQuerySet:
        """Rows still waiting to be delivered."""
        return self.filter(status=Notification.Status.PENDING)

    def due(self, now: datetime | None = None) -> NotificationQuerySet:
        """Pending rows whose next attempt is now (or that were never tried)."""
        now = now or timezone.now()
        return self.pending().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))

    def stale_sending(self, before: datetime) -> NotificationQuerySet:
        """Rows a worker claimed before `before` and never finished (it died mid-send)."""
        return self.filter(status=Notification.Status.SENDING, claimed_at__lt=before)

    def failed(self) -> NotificationQuerySet:
        """Rows that ran out of attempts and wait for staff."""
        return self.filter(status=Notification.Status.FAILED)

    def for_user(self, user) -> NotificationQuerySet:
        """One person's notifications."""
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        """Notifications the person has not opened yet."""
        return self.filter(read_at__isnull=True)

    def release_stale(self, before: datetime) -> int:
        """Put rows abandoned in `sending` back in the queue, counting the lost attempt.

        The abandoned attempt counts, so a message that kills its worker every time
        ends up failed instead of looping forever.
        """
        max_attempts = settings.NOTIFICATION_MAX_ATTEMPTS
        return self.stale_sending(before).update(
            status=Case(
                When(
                    attempts__gte=max_attempts - 1,
                    then=Value(Notification.Status.FAILED),
                ),
                default=Value(Notification.Status.PENDING),
            ),
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            last_error="Abandoned while sending (the worker stopped); returned to the queue.",
        )


class Notification(models.Model):
    """One message to one person, stored before it is sent (the outbox)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    to_email = models.EmailField()
    kind = models.CharField(max_length=100, db_index=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker last took the row for sending.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="notification_sending_has_claim",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_sent_at",
            ),
        ]
        permissions = [("retry_notification", "Can put failed notifications back in the queue")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email}"

    # --- Delivery transitions --------------------------------------------------------
    # Each is guarded by the row's current state (a row lock for the claim, a conditional
    # UPDATE after it), so two workers, a redelivered task and two beats can race on
    # the same row and only one of them wins.

    @classmethod
    def claim(cls, pk: int, *, now: datetime | None = None) -> Notification | None:
        """Take a due pending row for sending (pending → sending); None if not ours to send."""
        now = now or timezone.now()
        with transaction.atomic():
            # skip_locked: a row another worker is claiming right now is simply not ours.
            row = cls.objects.due(now).select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                return None
            row.status = cls.Status.SENDING
            row.claimed_at = now
            row.save(update_fields=["status", "claimed_at"])
        return row

    def _still_claimed(self) -> NotificationQuerySet:
        # The claim time identifies this claim: if the sweep released the row and
        # another worker claimed it since, this worker's outcome no longer applies.
        return Notification.objects.filter(
            pk=self.pk, status=self.Status.SENDING, claimed_at=self.claimed_at
        )

    def mark_sent(self, *, now: datetime | None = None) -> bool:
        """Record a successful send of a claimed row (sending → sent)."""
        now = now or timezone.now()
        updated = self._still_claimed().update(
            status=self.Status.SENT, sent_at=now, next_attempt_at=None
        )
        if updated:
            self.status, self.sent_at, self.next_attempt_at = self.Status.SENT, now, None
        return bool(updated)

    def mark_attempt_failed(self, *, error: str, retry_at: datetime) -> bool:
        """Record a failed send (sending → pending at `retry_at`, or failed when out of attempts)."""
        attempts = self.attempts + 1
        if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            status, retry_at = self.Status.FAILED, None
        else:
            status = self.Status.PENDING
        updated = self._still_claimed().update(
            status=status, attempts=attempts, last_error=error, next_attempt_at=retry_at
        )
        if updated:
            self.status, self.attempts = status, attempts
            self.last_error, self.next_attempt_at = error, retry_at
        return bool(updated)

    def retry(self) -> None:
        """Put a failed row back in the queue with a fresh set of attempts (failed → pending)."""
        from notifications.outbox import enqueue_delivery

        with transaction.atomic():
            updated = Notification.objects.filter(pk=self.pk, status=self.Status.FAILED).update(
                status=self.Status.PENDING, attempts=0, next_attempt_at=None
            )
            if not updated:
                self.refresh_from_db(fields=["status"])
                raise ValidationError(
                    f"“{self}” is {self.get_status_display().lower()}, not failed; "
                    "only failed notifications can be retried."
                )
            self.status, self.attempts, self.next_attempt_at = self.Status.PENDING, 0, None
            transaction.on_commit(lambda: enqueue_delivery(self.pk))
