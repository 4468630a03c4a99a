"""The conversation on an application's page, for whichever side is reading:

    {% load conversations %}{% conversation application %}           (the student's page)
    {% load conversations %}{% employer_conversation original %}      (the employer site)

Each costs the same few queries whatever the length of the thread.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

from applications.models import Application
from messaging.forms import MessageForm
from messaging.models import CheckIn, Message, MessageReport, Side, check_in_open, side_of

register = template.Library()


@register.filter
def urlize_safe(text: str) -> SafeString:
    """Plain text with its web addresses made links that search engines do not follow.

    Everything is escaped first: no one's words are ever rendered as HTML.
    """
    linked = urlize(str(text), nofollow=True, autoescape=True)
    # Escaped text holds no quote, so only urlize's own attribute matches.
    return mark_safe(linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"'))  # noqa: S308


def thread_context(application: Application, user) -> dict:
    """What one side sees of the conversation: the thread, warnings, the reply box, the check-in."""
    side = side_of(application, user)
    if side is None:
        return {"application": application, "side": None}
    thread = list(Message.objects.in_thread(application))
    reported = set(
        MessageReport.objects.filter(message__application=application, reporter=user).values_list(
            "message_id", flat=True
        )
    )
    answered = {c.side: c for c in CheckIn.objects.filter(application=application)}
    to_student = side == Side.STUDENT
    warnings = sorted({phrase for m in thread if m.from_organization for phrase in m.warnings})
    return {
        "application": application,
        "side": side,
        "to_student": to_student,
        "other_name": (
            application.listing.organization.name
            if to_student
            else application.student.display_name
        ),
        "thread": [
            {
                "message": message,
                "mine": message.side == side,
                "reported": message.pk in reported,
                "report_url": reverse(
                    "messaging:report", kwargs={"pk": application.pk, "message": message.pk}
                ),
            }
            for message in thread
        ],
        # Only the student is warned: the organization wrote the words.
        "warnings": warnings if to_student else [],
        "form": MessageForm(),
        "write_url": reverse("messaging:write", kwargs={"pk": application.pk}),
        "check_in_open": check_in_open(application) and side not in answered,
        "my_check_in": answered.get(side),
        "check_in_url": reverse("messaging:check_in", kwargs={"pk": application.pk}),
        "answers": CheckIn.Answer.choices,
    }


@register.inclusion_tag("messaging/includes/thread.html", takes_context=True)
def conversation(context, application: Application) -> dict:
    return thread_context(application, context["request"].user)


@register.inclusion_tag("messaging/includes/employer_thread.html", takes_context=True)
def employer_conversation(context, application: Application) -> dict:
    return thread_context(application, context["request"].user)
