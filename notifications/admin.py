"""The outbox on the staff site (/staff/): read-only, with failed rows one click away."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.utils import timezone

from backoffice.changelists import BoundedDateHierarchyMixin
from backoffice.readonly import ReadOnlyAdminMixin
from notifications.delivery import STALE_SENDING_AFTER
from notifications.models import PRIVATE_KINDS, Notification


class ProblemFilter(admin.SimpleListFilter):
    """Rows that need a look: failed for good, failing and retrying, or stuck sending."""

    title = "delivery problem"
    parameter_name = "problem"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("failed", "Failed (out of attempts)"),
            ("retrying", "Failing, will retry"),
            ("stuck", "Stuck while sending"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "failed":
            return queryset.failed()
        if self.value() == "retrying":
            return queryset.pending().filter(attempts__gt=0)
        if self.value() == "stuck":
            return queryset.stale_sending(timezone.now() - STALE_SENDING_AFTER)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, BoundedDateHierarchyMixin, admin.ModelAdmin):
    """The outbox is a record: rows are written by the apps and changed only by delivery."""

    list_display = [
        "created_at",
        "kind",
        "category",
        "to_email",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = [ProblemFilter, "status", "category", "kind", "created_at"]
    search_fields = ["to_email", "kind", "dedupe_key", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "category",
                    "to_email",
                    "recipient",
                    "subject",
                    "link",
                    "dedupe_key",
                ]
            },
        ),
        (
            "Delivery",
            {
                "fields": [
                    "status",
                    "attempts",
                    "last_error",
                    "created_at",
                    "next_attempt_at",
                    "claimed_at",
                    "sent_at",
                    "read_at",
                ]
            },
        ),
        ("Message", {"fields": ["body_text", "body_html"]}),
    ]
    readonly_fields = [
        *(field for fieldset in fieldsets for field in fieldset[1]["fields"]),
        "private_body",
    ]
    # get_absolute_url opens the recipient's own copy, which staff cannot see.
    view_on_site = False

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is not None and obj.kind in PRIVATE_KINDS:
            return [*self.fieldsets[:-1], ("Message", {"fields": ["private_body"]})]
        return self.fieldsets

    @admin.display(description="Message")
    def private_body(self, notification: Notification) -> str:
        return "Private between the people in a conversation: not shown here."

    @admin.display(description="Last error")
    def short_error(self, notification: Notification) -> str:
        return truncatechars(notification.last_error, 80)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.retry_notification")

    @admin.action(description="Retry selected", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Put the selected failed notifications back in the queue."""
        retried, refused = 0, 0
        for notification in queryset:
            try:
                notification.retry()
            except ValidationError:
                refused += 1
            else:
                retried += 1
        if retried:
            self.message_user(
                request, f"{retried} notification(s) queued to be sent again.", messages.SUCCESS
            )
        if refused:
            self.message_user(
                request,
                f"{refused} selected notification(s) were not failed and were left alone.",
                messages.WARNING,
            )
