"""Demo conversations for `seed_demo`: a question answered, and an engagement at its check-in."""

from __future__ import annotations

import datetime

from django.utils import timezone

from applications.models import Application
from messaging.models import Message, check_in_open

CONVERSATION = [
    ("student", "Hello! Is the data in one spreadsheet, or spread over several files?"),
    (
        "organization",
        "One spreadsheet, about 400 rows. We share it on your first day, with a short "
        "note on what each column means.",
    ),
    ("student", "Perfect, thank you. I will send a first plan in the first week."),
]


def seed_demo(demo) -> str:
    """The conversations part of `manage.py seed_demo` (idempotent)."""
    first, second = demo.students[0], demo.students[1]
    written = 0
    waiting = (
        Application.objects.filter(student=first, status__in=Application.PRE_OFFER)
        .select_related("listing__organization")
        .order_by("pk")
        .first()
    )
    if waiting is not None and not waiting.messages.exists():
        employer = waiting.listing.organization.active_members(role="owner").first()
        for side, body in CONVERSATION:
            author = first if side == "student" else employer
            Message.write(application=waiting, author=author, body=body)
            written += 1

    engagement = (
        Application.objects.filter(student=second, status=Application.Status.ACCEPTED)
        .select_related("listing")
        .order_by("pk")
        .first()
    )
    if engagement is not None and not check_in_open(engagement):
        # Accepted long enough ago that the work is halfway to its due date today.
        today = timezone.localdate()
        left = (engagement.listing.due_date - today).days
        accepted = timezone.now() - datetime.timedelta(days=left + 1)
        Application.objects.filter(pk=engagement.pk).update(accepted_at=accepted)
        engagement.events.filter(to_status=Application.Status.ACCEPTED).update(created_at=accepted)
    return f"{written} messages written; a check-in is open for {second.email}"
