"""What waits for the career center about conversations (see backoffice.todo)."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.urls import reverse

from backoffice.todo import Todo, provides, waiting_since
from messaging.models import CheckIn, MessageReport
from messaging.reminders import silent_engagements


@provides("admin", order=25)
def conversations_waiting(request: HttpRequest) -> list[Todo]:
    """Reported messages not reviewed yet, and engagements whose check-in needs the center."""
    reports = MessageReport.objects.aggregate(
        open=Count("pk", filter=Q(reviewed_at__isnull=True)),
        oldest=Min("created_at", filter=Q(reviewed_at__isnull=True)),
    )
    help_asked = CheckIn.objects.needing_help().aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    silent = len(silent_engagements())
    return [
        Todo(
            count=reports["open"],
            one="reported message waits for review",
            many="reported messages wait for review",
            url=reverse("messaging_staff:reports"),
            detail=waiting_since(reports["oldest"]),
        ),
        Todo(
            count=help_asked["count"] + silent,
            one="engagement needs the career center",
            many="engagements need the career center",
            url=reverse("messaging_staff:check_ins"),
            detail=(
                f"{help_asked['count']} asked for help at the check-in; {silent} "
                "went silent after it."
            ),
        ),
    ]
