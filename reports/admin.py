"""The export log in the staff site: who exported what, when, and with or without emails."""

from __future__ import annotations

from django.contrib import admin

from backoffice.changelists import BoundedDateHierarchyMixin
from backoffice.readonly import ReadOnlyAdminMixin
from reports.models import Export


@admin.register(Export)
class ExportAdmin(ReadOnlyAdminMixin, BoundedDateHierarchyMixin, admin.ModelAdmin):
    """Read-only: the log is written by the exports themselves, never by hand."""

    list_display = [
        "created_at",
        "kind",
        "requested_by",
        "period_label",
        "include_emails",
        "delivery",
        "status",
        "rows_total",
    ]
    list_filter = ["kind", "include_emails", "delivery", "status", "created_at"]
    search_fields = ["requested_by__email"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    fields = [
        "kind",
        "requested_by",
        "filters",
        "include_emails",
        "delivery",
        "status",
        "rows_total",
        "rows_done",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    # The export page is only for the person who asked; others would meet a 404.
    view_on_site = False

    @admin.display(description="Period and industry")
    def period_label(self, export: Export) -> str:
        return export.period_label


from reports import todo  # noqa: E402,F401  (registers what waits on the staff site)
