"""One-click unsubscribe (RFC 8058): headers on reminders and alerts, the signed link."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import deliver
from notifications.models import Category, NotificationPreference
from notifications.outbox import queue_email
from notifications.tokens import (
    read_unsubscribe_token,
    unsubscribe_token,
    unsubscribe_url,
)

pytestmark = pytest.mark.django_db


def _send(person, kind: str, category=None, body_html: str = "") -> mail.EmailMessage:
    row = queue_email(
        to=person.email,
        recipient=person,
        kind=kind,
        category=category,
        subject="Subject",
        body_text="The body.",
        body_html=body_html,
        dedupe_key=f"{kind}:{person.pk}",
        enqueue=False,
    )
    assert deliver(row.pk) is True
    return mail.outbox[-1]


def _url(person, category=Category.REMINDERS) -> str:
    return reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(person.pk, category)}
    )


@pytest.mark.parametrize(
    ("kind", "category"),
    [("listings.deadline", Category.REMINDERS), ("listings.saved_search_alert", None)],
)
def test_reminders_and_alerts_carry_the_one_click_headers(student, settings, kind, category):
    settings.SITE_URL = "https://microintern.example"

    message = _send(student, kind, category)

    expected = unsubscribe_url(student.pk, category or Category.ALERTS)
    assert expected.startswith("https://microintern.example/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{expected}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parsed = message_from_bytes(message.message().as_bytes())
    # Long headers are folded on the wire; unfolded, it is the same link.
    assert "".join(parsed["List-Unsubscribe"].split()) == f"<{expected}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The same link in the text, after a signature separator.
    assert message.body.startswith("The body.\n\n-- \n")
    assert f"Stop these emails with one click: {expected}" in message.body
    assert "https://microintern.example/notifications/preferences/" in message.body


def test_the_html_part_gets_the_link_too(student):
    message = _send(
        student,
        "listings.deadline",
        Category.REMINDERS,
        body_html="<html><body><p>Hello</p></body></html>",
    )

    html = message.alternatives[0].content
    assert html.endswith("</body></html>")
    assert "Stop these emails</a>" in html
    assert html.index("Stop these emails") < html.index("</body>")


@pytest.mark.parametrize(
    "kind", ["account.email_confirmation", "accounts.join_approved", "applications.offered"]
)
def test_account_and_update_emails_carry_no_unsubscribe(student, kind):
    message = _send(student, kind)

    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert "List-Unsubscribe" not in message.message().as_string()
    assert message.body == "The body."


def test_account_emails_never_carry_it_even_if_queued_as_reminders(student):
    message = _send(student, "account.password_reset_key", Category.REMINDERS)

    assert "List-Unsubscribe" not in message.extra_headers


def test_emails_to_an_address_without_an_account_carry_no_unsubscribe(db):
    row = queue_email(
        to="someone@example.org",
        kind="listings.deadline",
        category=Category.REMINDERS,
        subject="S",
        body_text="B",
        dedupe_key="anon",
        enqueue=False,
    )
    deliver(row.pk)

    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


# --- The link -------------------------------------------------------------------------------


def test_get_asks_without_changing_anything(client, student):
    response = client.get(_url(student))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Stop reminders by email?" in content
    assert re.search(r'<form method="post" action="/notifications/unsubscribe/[^"]+/">', content)
    assert NotificationPreference.is_emailed(student.pk, Category.REMINDERS)
    assert response["Cache-Control"].startswith("max-age=0")


def test_post_from_the_page_unsubscribes_without_sign_in(student):
    client = Client(enforce_csrf_checks=True)

    response = client.post(_url(student))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not NotificationPreference.is_emailed(student.pk, Category.REMINDERS)
    assert NotificationPreference.is_emailed(student.pk, Category.ALERTS)


def test_one_click_post_from_a_mail_client(student):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _url(student, Category.ALERTS),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not NotificationPreference.is_emailed(student.pk, Category.ALERTS)
    assert NotificationPreference.is_emailed(student.pk, Category.REMINDERS)


def test_unsubscribing_twice_is_fine_and_can_be_undone(client, student):
    url = _url(student)
    client.post(url)

    again = client.get(url)
    assert "You are already unsubscribed" in again.content.decode()

    undone = client.post(url, {"action": "resubscribe"})
    assert "Emails are back on" in undone.content.decode()
    assert NotificationPreference.is_emailed(student.pk, Category.REMINDERS)


def test_a_link_from_an_email_works_end_to_end(client, student, settings):
    settings.SITE_URL = "http://testserver"
    message = _send(student, "listings.deadline", Category.REMINDERS)
    link = message.extra_headers["List-Unsubscribe"].strip("<>")

    client.post(link.removeprefix("http://testserver"), {"List-Unsubscribe": "One-Click"})

    assert not NotificationPreference.is_emailed(student.pk, Category.REMINDERS)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused_clearly(client, student, other_student, method):
    token = unsubscribe_token(student.pk, Category.REMINDERS)
    other = unsubscribe_token(other_student.pk, Category.REMINDERS)
    # Another person's signature on this person's data.
    forged = token.rsplit(":", 1)[0] + ":" + other.rsplit(":", 1)[1]
    url = reverse("notifications:unsubscribe", kwargs={"token": forged})

    response = getattr(client, method)(url)

    assert response.status_code == 400
    assert "This unsubscribe link does not work" in response.content.decode()
    assert NotificationPreference.is_emailed(student.pk, Category.REMINDERS)
    assert NotificationPreference.is_emailed(other_student.pk, Category.REMINDERS)


def test_garbage_and_account_tokens_are_refused(client, student):
    from django.core import signing

    account = signing.dumps(
        {"u": student.pk, "c": "account"}, salt="notifications.unsubscribe", compress=True
    )
    other_salt = signing.dumps({"u": student.pk, "c": "reminders"}, salt="something.else")
    for token in ["not-a-token", account, other_salt]:
        response = client.post(reverse("notifications:unsubscribe", kwargs={"token": token}))
        assert response.status_code == 400

    assert not NotificationPreference.objects.exists()


def test_a_deleted_account_is_not_found(client, student):
    url = _url(student)
    student.delete()

    assert client.get(url).status_code == 404


def test_tokens_round_trip():
    request = read_unsubscribe_token(unsubscribe_token(42, "alerts"))

    assert (request.user_id, request.category) == (42, Category.ALERTS)


def test_the_token_is_the_same_for_the_same_person_and_category(student):
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        later = unsubscribe_token(student.pk, Category.REMINDERS)

    assert unsubscribe_token(student.pk, Category.REMINDERS) == later
    assert unsubscribe_token(student.pk, Category.ALERTS) != later


def test_links_from_emails_sent_with_timestamped_tokens_still_work(student):
    old = signing.dumps(
        {"u": student.pk, "c": str(Category.REMINDERS)},
        salt="notifications.unsubscribe",
        compress=True,
    )

    assert read_unsubscribe_token(old).user_id == student.pk
    with pytest.raises(signing.BadSignature):
        read_unsubscribe_token(old[:-2] + "xx")
