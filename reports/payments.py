"""The dashboard's payment figures: engagements of the period paid in time, or still unpaid.

"Paid within 14 days" counts the payments the student confirmed whose date, as recorded by
the organization, is at most 14 days after the completion; "unpaid after 30 days" counts
the engagements completed 30 days ago or more whose payment no student has confirmed.
Each function is one query, whatever the number of engagements.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import TrackRecord
from applications.models import PaymentStatus

PAID_WITHIN = datetime.timedelta(days=14)
UNPAID_AFTER = datetime.timedelta(days=30)
#: Organizations listed in each payment table, those with the most to follow up first.
TABLE_ROWS = 25


def _counts(now: datetime.datetime) -> dict:
    deadline = ExpressionWrapper(TruncDate("completed_at") + PAID_WITHIN, output_field=DateField())
    paid = Q(payment_status=PaymentStatus.PAID)
    return {
        "completed": Count("pk"),
        "paid": Count("pk", filter=paid),
        "paid_in_time": Count("pk", filter=paid & Q(paid_on__lte=deadline)),
        "awaiting_confirmation": Count("pk", filter=Q(payment_status=PaymentStatus.RECORDED)),
        "unpaid_after_30": Count("pk", filter=~paid & Q(completed_at__lte=now - UNPAID_AFTER)),
    }


def payment_figures(engagements: QuerySet, *, now: datetime.datetime) -> dict:
    """The period's completed engagements and where their payment stands (1 query)."""
    return engagements.aggregate(**_counts(now))


def payments_by_organization(engagements: QuerySet, *, now: datetime.datetime) -> list[dict]:
    """The same per organization, the most unpaid first (1 query)."""
    return list(
        engagements.values(
            organization_id=F("listing__organization_id"),
            name=F("listing__organization__name"),
        )
        .annotate(**_counts(now))
        .order_by("-unpaid_after_30", "-completed", "name")[:TABLE_ROWS]
    )


def track_records() -> list[TrackRecord]:
    """The stored track records, the organizations with the most applicants first (1 query)."""
    return list(
        TrackRecord.objects.select_related("organization").order_by(
            "-applications", "-completed", "organization__name"
        )[:TABLE_ROWS]
    )
