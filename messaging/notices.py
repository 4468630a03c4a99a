"""What conversations tell people: new messages (at most one email per conversation and person
per quarter of an hour, later ones gathered in a digest), reports and calls for help to the
career center, and the risk signal a scam-like message leaves on the listing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from applications.links import employer_application_link
from listings import risk
from listings.reminders import career_center_staff
from notifications.models import Category, Notification
from notifications.outbox import queue_email, render_email

MESSAGE_KIND = "messaging.message"
SCAM_SIGNAL = "scam_in_messages"


def thread_link(application, person) -> str:
    """Where `person` reads this conversation: the student's page or the employer site."""
    if person.pk == application.student_id:
        return application.get_absolute_url() + "#conversation"
    return employer_application_link(application) + "#conversation"


def message_written(message) -> None:
    """Email (and show in the app) the new message to each person on the other side."""
    from messaging.models import Side, people_on

    application = message.application
    other = Side.ORGANIZATION if message.side == Side.STUDENT else Side.STUDENT
    for person in people_on(application, other):
        if person.pk != message.author_id:
            _tell_about(message, person)


def _tell_about(message, person) -> None:
    """One email per person and conversation per MESSAGE_EMAIL_MINUTES; what arrives in
    between is added to the email still waiting, which leaves when the time is up."""
    application = message.application
    prefix = f"{MESSAGE_KIND}:{application.pk}:{person.pk}:"
    now = timezone.now()
    last = (
        Notification.objects.filter(
            recipient=person, kind=MESSAGE_KIND, dedupe_key__startswith=prefix
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None and last.status == Notification.Status.PENDING and last.next_attempt_at:
        if last.next_attempt_at > now:
            first_pk = int(last.dedupe_key.rsplit(":", 1)[1])
            subject, text, html = _render(application, person, since=first_pk)
            rewritten = Notification.objects.filter(
                pk=last.pk, status=Notification.Status.PENDING
            ).update(subject=subject[:255], body_text=text, body_html=html, read_at=None)
            if rewritten:
                return
    gap = timedelta(minutes=settings.MESSAGE_EMAIL_MINUTES)
    send_at = None
    if last is not None and (last.sent_at or last.created_at) + gap > now:
        send_at = (last.sent_at or last.created_at) + gap
    subject, text, html = _render(application, person, since=message.pk)
    row = queue_email(
        to=person.email,
        recipient=person,
        kind=MESSAGE_KIND,
        subject=subject,
        body_text=text,
        body_html=html,
        link=thread_link(application, person),
        dedupe_key=f"{prefix}{message.pk}",
        enqueue=send_at is None,
    )
    if row is not None and send_at is not None:
        # Not due before then: the delivery sweep sends it when the time comes.
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=send_at)


def _render(application, person, *, since: int) -> tuple[str, str, str]:
    """The email about the other side's messages from message `since` on."""
    from messaging.models import Message, Side

    side = Side.STUDENT if person.pk == application.student_id else Side.ORGANIZATION
    messages = list(Message.objects.in_thread(application).filter(pk__gte=since).exclude(side=side))
    return render_email(
        "messaging/email/message",
        {
            "person": person,
            "application": application,
            "listing": application.listing,
            "messages": messages,
            "to_student": side == Side.STUDENT,
            "warned": any(m.warnings for m in messages),
            "link": thread_link(application, person),
        },
    )


def scam_signal(message) -> None:
    """A message that moves the student off the platform or asks them to pay: staff see it
    on the listing, with every phrase found so far in its conversations."""
    from messaging.models import Message, Side

    listing = message.application.listing
    found = sorted(
        {
            phrase
            for warnings in Message.objects.filter(
                application__listing=listing, side=Side.ORGANIZATION
            )
            .exclude(warnings=[])
            .values_list("warnings", flat=True)
            for phrase in warnings
        }
    )
    risk.record(
        listing,
        risk.Signal(
            SCAM_SIGNAL,
            "A message to an applicant asks to move off the platform or to pay: "
            + ", ".join(found)
            + ".",
            40,
        ),
    )


def _tell_staff(kind: str, key: str, template: str, context: dict, link: str) -> None:
    for person in career_center_staff():
        queue_email(
            to=person.email,
            recipient=person,
            kind=kind,
            template=template,
            context={**context, "person": person, "link": link},
            link=link,
            dedupe_key=f"{key}:{person.pk}",
            category=Category.REMINDERS,
        )


def report_filed(report) -> None:
    """The career center hears of a reported message, with a link to read the thread."""
    application = report.message.application
    _tell_staff(
        "messaging.reported",
        f"messaging.reported:{report.pk}",
        "messaging/email/reported",
        {"report": report, "application": application, "listing": application.listing},
        report.get_absolute_url(),
    )


def help_asked(check_in) -> None:
    """A side answered 'need help' at the check-in: the career center is told."""
    from django.urls import reverse

    application = check_in.application
    _tell_staff(
        "messaging.check_in_help",
        f"messaging.check_in_help:{check_in.pk}",
        "messaging/email/check_in_help",
        {"check_in": check_in, "application": application, "listing": application.listing},
        reverse("messaging_staff:check_ins"),
    )
