"""The outbox on the staff site: read-only, failed rows easy to find and to retry."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.sites import employer_site
from notifications.models import Notification

CHANGELIST = "/staff/notifications/notification/"


@pytest.fixture
def outbox(db, make_email):
    """One row in each state."""
    rows = {
        "pending": make_email("p", to="pending@student.test"),
        "sent": make_email("s", to="sent@student.test", kind="test.digest"),
        "failed": make_email("f", to="failed@student.test"),
        "failed_too": make_email("f2", to="failed2@student.test"),
    }
    Notification.objects.filter(pk=rows["sent"].pk).update(status="sent", sent_at=timezone.now())
    Notification.objects.filter(pk__in=[rows["failed"].pk, rows["failed_too"].pk]).update(
        status="failed", attempts=5, last_error="SMTPDataError: 451 try later"
    )
    return rows


def test_staff_see_the_outbox_and_find_failed_rows(login, staff, outbox):
    client = login(staff)

    response = client.get(CHANGELIST, {"status__exact": "failed"})

    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {outbox["failed"].pk, outbox["failed_too"].pk}
    assert b"SMTPDataError: 451 try later" in response.content


def test_the_problem_filter_lists_failed_rows(login, staff, outbox):
    response = login(staff).get(CHANGELIST, {"problem": "failed"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2


def test_staff_search_by_email_and_filter_by_kind(login, staff, outbox):
    client = login(staff)

    by_email = client.get(CHANGELIST, {"q": "sent@student"})
    by_kind = client.get(CHANGELIST, {"kind": "test.digest"})

    assert [n.pk for n in by_email.context["cl"].result_list] == [outbox["sent"].pk]
    assert [n.pk for n in by_kind.context["cl"].result_list] == [outbox["sent"].pk]


def test_the_outbox_is_read_only(login, staff, outbox):
    client = login(staff)
    change_url = reverse("admin:notifications_notification_change", args=[outbox["sent"].pk])

    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"subject": "changed"}).status_code == 403
    delete_url = reverse("admin:notifications_notification_delete", args=[outbox["sent"].pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Notification.objects.get(pk=outbox["sent"].pk).subject == "Hello Ada"


def test_retry_selected_puts_failed_rows_back_in_the_queue(
    login, staff, outbox, django_capture_on_commit_callbacks
):
    client = login(staff)
    selected = [outbox["failed"].pk, outbox["sent"].pk]

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            CHANGELIST,
            {"action": "retry_selected", "_selected_action": selected},
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "1 notification(s) queued to be sent again." in messages
    assert "1 selected notification(s) were not failed and were left alone." in messages
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[outbox["failed"].pk] == "pending"
    assert statuses[outbox["sent"].pk] == "sent"
    assert statuses[outbox["failed_too"].pk] == "failed"
    assert Notification.objects.get(pk=outbox["failed"].pk).attempts == 0
    assert len(callbacks) == 1  # handed to Celery after commit


def test_students_and_employers_cannot_see_the_outbox(client, login, student, employer, outbox):
    assert login(student).get(CHANGELIST).status_code == 302
    client.logout()
    assert login(employer).get(CHANGELIST).status_code == 302


def test_the_outbox_is_not_on_the_employer_site(login, employer, outbox):
    assert Notification not in employer_site._registry
    response = login(employer).get("/employer/notifications/notification/")
    assert response.status_code == 404
