"""The read-only inlines: the history shared by every model that keeps an event log."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Rows shown for reference beside their owner: nobody adds, edits or deletes one here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HistoryInline(ReadOnlyInline):
    """An append-only event log: nobody adds, edits or deletes a row.

    Subclasses set `model`, `status_choices` (the owner's Status class) and `fields`.
    """

    verbose_name = "event"
    verbose_name_plural = "history"
    status_choices = None
    #: How an empty from-status reads (the first event of a new object).
    new_label = "New"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def status_label(self, value: str) -> str:
        if not value:
            return self.new_label
        try:
            return str(self.status_choices(value).label)
        except ValueError:
            return value

    @admin.display(description="by")
    def actor_name(self, event) -> str:
        return event.actor_display

    @admin.display(description="from")
    def from_label(self, event) -> str:
        return self.status_label(event.from_status)

    @admin.display(description="to")
    def to_label(self, event) -> str:
        return self.status_label(event.to_status)


class EmployerHistoryMixin:
    """The same history for an organization: its people by name, staff as the career center."""

    def has_view_permission(self, request, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    @admin.display(description="by")
    def actor_name(self, event) -> str:
        return event.actor_label(staff_as="Career center")
