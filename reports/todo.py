"""What the career center waits for in reports (see backoffice.todo): exports being made."""

from __future__ import annotations

from django.db.models import Count, Min
from django.http import HttpRequest

from backoffice.todo import Todo, provides, waiting_since
from notifications.links import admin_link
from reports.models import Export


@provides("admin", order=40)
def exports_in_progress(request: HttpRequest) -> list[Todo]:
    """CSV exports still waiting for, or in, the background task."""
    unfinished = Export.objects.unfinished()
    figures = unfinished.aggregate(count=Count("pk"), oldest=Min("created_at"))
    status = Export._meta.get_field("status")
    return [
        Todo(
            count=figures["count"],
            one="export is being prepared",
            many="exports are being prepared",
            url=admin_link(
                "admin:reports_export_changelist",
                filters={status: {Export.Status.PENDING, Export.Status.RUNNING}},
            ),
            detail=waiting_since(figures["oldest"]),
        )
    ]
