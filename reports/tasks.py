"""Background exports (thin Celery entry points that take ids)."""

from celery import shared_task


@shared_task(ignore_result=True)
def build_export(export_id: int) -> bool:
    """Write one large CSV export to private storage and tell the person who asked."""
    from reports.exports import build
    from reports.models import Export

    export = Export.objects.filter(pk=export_id).select_related("requested_by").first()
    if export is None or export.is_finished:
        return False  # deleted, or a redelivery of a task that already ran
    return build(export)


@shared_task(ignore_result=True)
def refresh_track_records() -> int:
    """Recompute every organization's track record from the applications' lifecycles."""
    from reports.track_record import refresh_track_records as refresh

    return refresh()
