"""Organizations' track records, read from the applications' lifecycles and stored.

A decision is the first event that took an application to an offer or to "not selected"
with a person as its actor: closing the undecided when a listing fills is MicroIntern's
doing, not an answer from the organization. A project counts as paid within 14 days when
the student confirmed the payment and the organization paid it at most 14 days after the
completion. Two grouped queries for every organization at once, then one upsert.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import TrackRecord
from applications.models import Application, ApplicationEvent, PaymentStatus
from reports.queries import Median

AppStatus = Application.Status
#: The window a payment is measured against, and the wait before a project counts.
PAID_WITHIN = datetime.timedelta(days=14)
DECIDED_TO = [AppStatus.OFFERED, AppStatus.NOT_SELECTED]


def decision_moment() -> Subquery:
    """When the organization first decided on the application (None if it has not)."""
    return Subquery(
        ApplicationEvent.objects.filter(
            application=OuterRef("pk"), to_status__in=DECIDED_TO, actor__isnull=False
        )
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )


def decision_figures(*, today: datetime.date) -> dict[int, dict]:
    """Per organization: applicants past the deadline and decided, decisions, median days."""
    delay = ExpressionWrapper(F("decision_at") - F("created_at"), output_field=DurationField())
    decided = Q(decision_at__isnull=False)
    closed = Q(listing__application_deadline__lt=today)
    rows = (
        Application.objects.exclude(status=AppStatus.WITHDRAWN, decided_at__isnull=True)
        .annotate(decision_at=decision_moment())
        .values(organization=F("listing__organization_id"))
        .annotate(
            applications=Count("pk", filter=closed),
            decided=Count("pk", filter=closed & decided),
            decisions=Count("pk", filter=decided),
            median=Median(delay, filter=decided, output_field=DurationField()),
        )
        .order_by()
    )
    return {row.pop("organization"): row for row in rows}


def payment_figures(*, now: datetime.datetime) -> dict[int, dict]:
    """Per organization: projects completed 14 days ago or more, and those paid in time."""
    deadline = ExpressionWrapper(TruncDate("completed_at") + PAID_WITHIN, output_field=DateField())
    paid_in_time = Q(payment_status=PaymentStatus.PAID, paid_on__lte=deadline)
    rows = (
        Application.objects.filter(status=AppStatus.COMPLETED, completed_at__lte=now - PAID_WITHIN)
        .values(organization=F("listing__organization_id"))
        .annotate(completed=Count("pk"), paid=Count("pk", filter=paid_in_time))
        .order_by()
    )
    return {row.pop("organization"): row for row in rows}


def refresh_track_records(*, now: datetime.datetime | None = None) -> int:
    """Recompute every organization's track record; the number of records stored."""
    now = now or timezone.now()
    decisions = decision_figures(today=timezone.localdate(now))
    payments = payment_figures(now=now)
    records = []
    for organization_id in decisions.keys() | payments.keys():
        decision = decisions.get(organization_id, {})
        payment = payments.get(organization_id, {})
        median = decision.get("median")
        records.append(
            TrackRecord(
                organization_id=organization_id,
                applications=decision.get("applications", 0),
                decided=decision.get("decided", 0),
                decisions=decision.get("decisions", 0),
                median_decision_days=median.total_seconds() / 86400 if median else None,
                completed=payment.get("completed", 0),
                paid_within_14_days=payment.get("paid", 0),
                computed_at=now,
            )
        )
    fields = [f.name for f in TrackRecord._meta.concrete_fields if not f.primary_key]
    with transaction.atomic():
        TrackRecord.objects.exclude(
            organization_id__in=[r.organization_id for r in records]
        ).delete()
        TrackRecord.objects.bulk_create(
            records, update_conflicts=True, unique_fields=["organization"], update_fields=fields
        )
    return len(records)
