"""Email preferences per category: the page, and delivery honouring them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications import reminders
from notifications.delivery import deliver, deliver_due
from notifications.models import Category, Notification, NotificationPreference, category_for
from notifications.outbox import queue_email
from notifications.reminders import Reminder, register, run_and_deliver

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("account.email_confirmation", None, Category.ACCOUNT),
        ("account.password_reset_key", Category.REMINDERS, Category.ACCOUNT),
        ("accounts.join_request", None, Category.ACCOUNT),
        ("applications.offered", None, Category.APPLICATION_UPDATES),
        ("listings.saved_search_alert", None, Category.ALERTS),
        ("listings.deadline", Category.REMINDERS, Category.REMINDERS),
        ("listings.approved", None, Category.ACCOUNT),
    ],
)
def test_category_follows_the_kind_and_account_emails_stay_account(kind, given, expected):
    assert category_for(kind, given) == expected


def test_queue_email_stores_the_category(student):
    row = queue_email(
        to=student.email,
        recipient=student,
        kind="applications.offered",
        subject="Offer",
        body_text="You have an offer.",
        dedupe_key="k1",
    )

    assert row.category == Category.APPLICATION_UPDATES


def test_reminder_rules_queue_in_the_reminders_category(student):
    saved = dict(reminders._rules)
    reminders._rules.clear()
    try:
        register("test.nudges")(
            lambda: [
                Reminder(
                    to=student.email,
                    recipient=student,
                    kind="applications.offer_expiring",
                    dedupe_key="nudge:1",
                    subject="Your offer expires tomorrow",
                    body_text="Answer it.",
                )
            ]
        )
        run_and_deliver()
    finally:
        reminders._rules.clear()
        reminders._rules.update(saved)

    assert Notification.objects.get().category == Category.REMINDERS


# --- The page -------------------------------------------------------------------------------


def test_the_page_needs_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_lists_every_category_on_by_default(login, student):
    response = login(student).get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == [c.value for c in Category]
    assert all(form[name].value() for name in form.fields)
    content = response.content.decode()
    for category in Category:
        assert f'for="id_{category.value}">{category.label}</label>' in content


def test_account_emails_are_shown_always_on_and_disabled(login, student):
    content = login(student).get(URL).content.decode()

    account = re.search(r'<input type="checkbox" name="account"[^>]*>', content).group(0)
    assert " disabled" in account
    assert " checked" in account
    assert "Always sent: they keep your account safe and working." in content


def test_turning_reminders_off_is_saved(login, student):
    client = login(student)

    response = client.post(
        URL, {"application_updates": "on", "messages": "on", "alerts": "on"}, follow=True
    )

    assert response.status_code == 200
    assert "Your email preferences are saved." in response.content.decode()
    assert NotificationPreference.for_user(student) == {
        "account": True,
        "application_updates": True,
        "messages": True,
        "reminders": False,
        "alerts": True,
    }
    # The page shows the stored choice.
    assert response.context["form"]["reminders"].value() is False


def test_account_emails_cannot_be_turned_off_through_the_form(login, student):
    # Nothing ticked, account included: the disabled field ignores what is posted.
    login(student).post(URL, {})

    prefs = NotificationPreference.for_user(student)
    assert prefs["account"] is True
    assert not NotificationPreference.objects.filter(category="account").exists()


def test_account_preference_is_refused_by_the_model_and_the_database(student):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        NotificationPreference.set(user=student, category=Category.ACCOUNT, enabled=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=student, category="account", email_enabled=False)


def test_turning_back_on(login, student):
    NotificationPreference.set(user=student, category=Category.REMINDERS, enabled=False)

    login(student).post(URL, {"reminders": "on", "application_updates": "on", "alerts": "on"})

    assert NotificationPreference.is_emailed(student.pk, Category.REMINDERS)


# --- Delivery -------------------------------------------------------------------------------


def _queue(person, key: str, kind: str, category=None) -> Notification:
    return queue_email(
        to=person.email,
        recipient=person,
        kind=kind,
        category=category,
        subject=f"About {key}",
        body_text="Text.",
        link="/applications/",
        dedupe_key=key,
        enqueue=False,
    )


def test_a_reminder_turned_off_is_not_emailed_but_shows_in_app(login, student):
    NotificationPreference.set(user=student, category=Category.REMINDERS, enabled=False)
    row = _queue(student, "r1", "listings.deadline", Category.REMINDERS)

    assert deliver(row.pk) is False

    assert mail.outbox == []
    row.refresh_from_db()
    assert row.status == Notification.Status.SKIPPED
    assert row.sent_at is None
    assert deliver_due() == 0  # not retried
    content = login(student).get(reverse("notifications:list")).content.decode()
    assert "About r1" in content


def test_other_categories_and_people_are_still_emailed(student, other_student):
    NotificationPreference.set(user=student, category=Category.REMINDERS, enabled=False)
    update = _queue(student, "u1", "applications.offered")
    someone_else = _queue(other_student, "r2", "listings.deadline", Category.REMINDERS)

    assert deliver(update.pk) is True
    assert deliver(someone_else.pk) is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, other_student.email])


def test_account_emails_are_always_sent(student):
    for category in NotificationPreference.optional_categories():
        NotificationPreference.set(user=student, category=category, enabled=False)
    security = _queue(student, "a1", "account.password_reset_key", Category.REMINDERS)
    join = _queue(student, "a2", "accounts.join_approved")

    assert deliver(security.pk) is True
    assert deliver(join.pk) is True
    assert len(mail.outbox) == 2


def test_turning_off_after_queueing_still_counts(student):
    row = _queue(student, "late", "listings.saved_search_alert")
    NotificationPreference.set(user=student, category=Category.ALERTS, enabled=False)

    assert deliver(row.pk) is False

    assert mail.outbox == []
    row.refresh_from_db()
    assert row.status == Notification.Status.SKIPPED


def test_rows_without_a_recipient_are_always_sent(db):
    row = queue_email(
        to="someone@example.org",
        kind="listings.deadline",
        category=Category.REMINDERS,
        subject="Hi",
        body_text="Hi",
        dedupe_key="anon",
        enqueue=False,
    )

    assert deliver(row.pk) is True


def test_staff_filter_the_outbox_by_category_and_see_skipped_rows(login, staff, student):
    NotificationPreference.set(user=student, category=Category.REMINDERS, enabled=False)
    skipped = _queue(student, "r9", "listings.deadline", Category.REMINDERS)
    _queue(student, "u9", "applications.offered")
    deliver(skipped.pk)
    client = login(staff)

    listed = client.get("/staff/notifications/notification/", {"category__exact": "reminders"})
    change = client.get(reverse("admin:notifications_notification_change", args=[skipped.pk]))

    assert [n.pk for n in listed.context["cl"].result_list] == [skipped.pk]
    assert "Not emailed (turned off by the person)" in listed.content.decode()
    assert change.status_code == 200
    assert "View on site" not in change.content.decode()
