from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from lifecycle.fields import VocabularyField, state_field


class Category(models.TextChoices):
    """What a notification is about; people choose per category whether it is emailed."""

    ACCOUNT = "account", "Account and security"
    APPLICATION_UPDATES = "application_updates", "Application updates"
    MESSAGES = "messages"
    REMINDERS = "reminders"
    ALERTS = "alerts", "Saved-search alerts"


#: What each category covers, as shown on the preferences page.
CATEGORY_DESCRIPTIONS = {
    Category.ACCOUNT: "Signing in, password resets, email confirmation, and messages about "
    "your organization and its listings.",
    Category.APPLICATION_UPDATES: "When an application you sent or received changes: "
    "viewed, shortlisted, offers, work submitted, completion, payment recorded or confirmed.",
    Category.MESSAGES: "New messages in the conversation on an application: at most one "
    "email per conversation every quarter of an hour, with everything that arrived.",
    Category.REMINDERS: "Deadlines for projects you saved, offers about to expire, "
    "due dates, feedback to give, payments to record or confirm and decisions waiting for you.",
    Category.ALERTS: "New projects matching the searches you saved.",
}

#: Categories a person cannot turn off: the site cannot work without them.
ALWAYS_EMAILED = frozenset({Category.ACCOUNT})
#: The categories a person may turn off, in display order.
OPTIONAL_CATEGORIES = [category for category in Category if category not in ALWAYS_EMAILED]
#: Categories whose emails carry a one-click unsubscribe link and List-Unsubscribe headers.
UNSUBSCRIBABLE = frozenset({Category.MESSAGES, Category.REMINDERS, Category.ALERTS})

#: Kinds whose words are private between two people (a conversation's messages): the outbox
#: keeps them to deliver them, but staff do not read them there.
PRIVATE_KINDS = frozenset({"messaging.message"})

# Kinds are "<app>.<event>"; the prefix says what the message is about.
_KIND_PREFIXES = [
    ("account.", Category.ACCOUNT),
    ("accounts.", Category.ACCOUNT),
    ("applications.", Category.APPLICATION_UPDATES),
    ("messaging.message", Category.MESSAGES),
    ("listings.closed_to_applicants", Category.APPLICATION_UPDATES),
    ("listings.saved_search", Category.ALERTS),
]


def category_for(kind: str, category: str | None = None) -> str:
    """The category of a notification of this kind; `category` overrides, except for account.

    Security and account emails ("account." kinds) are always account emails, whoever
    sends them. Kinds nobody classified are service messages: always emailed, never lost.
    """
    if kind.startswith("account."):
        return Category.ACCOUNT
    if category:
        return Category(category)
    for prefix, derived in _KIND_PREFIXES:
        if kind.startswith(prefix):
            return derived
    return Category.ACCOUNT


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

    def mark_read(self, now: datetime | None = None) -> int:
        """Mark the unread ones among these as read now; how many changed."""
        return self.unread().update(read_at=now or timezone.now())

    def claim_due(self, ids: Iterable[int], *, now: datetime | None = None) -> list[Notification]:
        """Take the due pending rows among `ids` for sending (pending → sending), in one statement.

        Rows another worker holds a lock on right now, rows not due and rows no longer
        pending are left out: they are not ours to send. Every row returned carries the
        same `claimed_at`, which identifies this claim. Returned in the order of `ids`.
        """
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        now = now or timezone.now()
        # One definition of "due" (the queryset above); skip_locked: a row another
        # worker is claiming at this moment is simply not ours.
        lockable = (
            self.model.objects.due(now)
            .filter(pk__in=ids)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values("pk")
        )
        fields = self.model._meta.concrete_fields
        quote = connections[self.db].ops.quote_name
        table = quote(self.model._meta.db_table)
        with transaction.atomic(using=self.db):
            # The ORM has no UPDATE ... RETURNING; the row filter still comes from it.
            subquery, params = lockable.query.sql_with_params()
            sql = (
                f"UPDATE {table} SET {quote('status')} = %s, {quote('claimed_at')} = %s "  # noqa: S608 - names from the model
                f"WHERE {quote(self.model._meta.pk.column)} IN ({subquery}) "
                f"RETURNING {', '.join(f'{table}.{quote(f.column)}' for f in fields)}"
            )
            with connections[self.db].cursor() as cursor:
                cursor.execute(sql, [Notification.Status.SENDING, now, *params])
                rows = cursor.fetchall()
        names = [f.attname for f in fields]
        claimed = [self.model.from_db(self.db, names, row) for row in rows]
        order = {pk: index for index, pk in enumerate(ids)}
        return sorted(claimed, key=lambda row: order[row.pk])

    def held(self, claimed_at: datetime | None) -> NotificationQuerySet:
        """Rows still in `sending` under the claim made at `claimed_at`.

        The claim time identifies a claim: if the sweep released a row and another worker
        claimed it since, the first worker's outcome no longer applies to it.
        """
        return self.filter(status=Notification.Status.SENDING, claimed_at=claimed_at)

    def mark_sent(self, now: datetime | None = None) -> int:
        """Record a successful send of these claimed rows (sending → sent); how many changed."""
        return self.filter(status=Notification.Status.SENDING).update(
            status=Notification.Status.SENT, sent_at=now or timezone.now(), next_attempt_at=None
        )

    def mark_skipped(self, reason: str = "") -> int:
        """Record that these claimed rows are not emailed (sending → skipped); how many changed."""
        return self.filter(status=Notification.Status.SENDING).update(
            status=Notification.Status.SKIPPED, next_attempt_at=None, last_error=reason
        )

    def unclaim(self) -> int:
        """Put claimed rows that were not tried back in the queue, due now, no attempt counted."""
        return self.filter(status=Notification.Status.SENDING).update(
            status=Notification.Status.PENDING, next_attempt_at=None
        )

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
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped", "Not emailed (turned off by the person)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    to_email = models.EmailField()
    kind = models.CharField(max_length=100, db_index=True)
    category = VocabularyField(Category, max_length=30, default=Category.ACCOUNT, db_index=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    status = state_field(Status, default=Status.PENDING)
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
    last_error = models.TextField(blank=True, max_length=2000)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The in-app list (newest first) and the unread count in every page's header.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
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

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", kwargs={"pk": self.pk})

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def preview(self) -> str:
        """The first words of the text, for the in-app list."""
        return Truncator(" ".join(self.body_text.split())).chars(200)

    @property
    def offers_unsubscribe(self) -> bool:
        """Whether the email carries a one-click unsubscribe (reminders and alerts to a person)."""
        return self.recipient_id is not None and self.category in UNSUBSCRIBABLE

    def wants_email(self, turned_off: set[tuple[int, str]] | None = None) -> bool:
        """False when the recipient turned this category's emails off.

        `turned_off` is what `NotificationPreference.turned_off` read for a whole batch;
        without it the preference is read for this row alone.
        """
        if self.recipient_id is None or self.category in ALWAYS_EMAILED:
            return True
        if turned_off is not None:
            return (self.recipient_id, self.category) not in turned_off
        return NotificationPreference.is_emailed(self.recipient_id, self.category)

    def mark_read(self, *, now: datetime | None = None) -> None:
        """Record that the recipient has seen it (the first time only)."""
        if self.read_at is None:
            self.read_at = now or timezone.now()
            Notification.objects.filter(pk=self.pk, read_at__isnull=True).update(
                read_at=self.read_at
            )

    # --- Delivery transitions --------------------------------------------------------
    # Each is guarded by the row's current state (a row lock for the claim, a conditional
    # UPDATE after it), so two workers, a redelivered task and two beats can race on
    # the same row and only one of them wins.

    @classmethod
    def claim(cls, pk: int, *, now: datetime | None = None) -> Notification | None:
        """Take a due pending row for sending (pending → sending); None if not ours to send."""
        claimed = cls.objects.claim_due([pk], now=now)
        return claimed[0] if claimed else None

    def _still_claimed(self) -> NotificationQuerySet:
        return Notification.objects.filter(pk=self.pk).held(self.claimed_at)

    def mark_sent(self, *, now: datetime | None = None) -> bool:
        """Record a successful send of a claimed row (sending → sent)."""
        now = now or timezone.now()
        updated = self._still_claimed().mark_sent(now)
        if updated:
            self.status, self.sent_at, self.next_attempt_at = self.Status.SENT, now, None
        return bool(updated)

    def mark_skipped(self) -> bool:
        """Record that a claimed row is not emailed: its category is off (sending → skipped).

        The row stays in the person's in-app list; only the email is left out.
        """
        updated = self._still_claimed().mark_skipped()
        if updated:
            self.status, self.next_attempt_at = self.Status.SKIPPED, None
        return bool(updated)

    def mark_attempt_failed(self, *, error: str, retry_at: datetime, final: bool = False) -> bool:
        """Record a failed send (sending → pending at `retry_at`, or failed when out of attempts).

        `final`: the mail server refused this message for good; no attempt is left.
        """
        attempts = self.attempts + 1
        if final or attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
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


class NotificationPreference(models.Model):
    """Whether one person wants one category of notifications by email (on unless a row says off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    email_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="one_preference_per_category"
            ),
            # Account and security emails cannot be turned off, so they have no preference.
            models.CheckConstraint(
                condition=Q(category__in=[category.value for category in OPTIONAL_CATEGORIES]),
                name="preference_category_optional",
            ),
        ]

    def __str__(self) -> str:
        state = "on" if self.email_enabled else "off"
        return f"{self.user}: {self.get_category_display()} emails {state}"

    @staticmethod
    def optional_categories() -> list[Category]:
        """The categories a person may turn off, in display order."""
        return list(OPTIONAL_CATEGORIES)

    @classmethod
    def is_emailed(cls, user_id: int, category: str) -> bool:
        """Whether this person gets emails of this category (the default is yes)."""
        if category in ALWAYS_EMAILED:
            return True
        return not cls.objects.filter(
            user_id=user_id, category=category, email_enabled=False
        ).exists()

    @classmethod
    def turned_off(cls, notifications: Iterable[Notification]) -> set[tuple[int, str]]:
        """(person, category) pairs among these notifications whose emails are off; one query."""
        wanted = {
            (n.recipient_id, n.category)
            for n in notifications
            if n.recipient_id is not None and n.category not in ALWAYS_EMAILED
        }
        if not wanted:
            return set()
        stored = cls.objects.filter(
            user_id__in={user for user, _ in wanted},
            category__in={category for _, category in wanted},
            email_enabled=False,
        ).values_list("user_id", "category")
        return set(stored) & wanted

    @classmethod
    def for_user(cls, user) -> dict[str, bool]:
        """Every category with whether it is emailed to this person."""
        stored = dict(cls.objects.filter(user=user).values_list("category", "email_enabled"))
        return {c.value: c in ALWAYS_EMAILED or stored.get(c.value, True) for c in Category}

    @classmethod
    def set(cls, *, user, category: str, enabled: bool) -> None:
        """Turn one category's emails on or off for a person."""
        if category in ALWAYS_EMAILED:
            raise ValidationError(
                f"{Category(category).label} emails cannot be turned off: "
                "they are needed to keep your account safe and working."
            )
        cls.objects.update_or_create(
            user=user, category=Category(category), defaults={"email_enabled": enabled}
        )
