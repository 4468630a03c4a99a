"""In-app notifications: the list, mark read, open, and the unread count in the header."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Category, Notification
from notifications.outbox import queue_email

pytestmark = pytest.mark.django_db

LIST_URL = reverse("notifications:list")
MARK_ALL_URL = reverse("notifications:mark_all_read")


def notify(person, key: str, **overrides) -> Notification:
    fields = {
        "to": person.email,
        "recipient": person,
        "kind": "applications.shortlisted",
        "subject": f"Update {key}",
        "body_text": f"Something happened ({key}).",
        "link": "/applications/",
        "dedupe_key": f"test:{key}:{person.pk}",
        "enqueue": False,
    }
    return queue_email(**{**fields, **overrides})


def open_url(notification) -> str:
    return reverse("notifications:open", kwargs={"pk": notification.pk})


def read_url(notification) -> str:
    return reverse("notifications:mark_read", kwargs={"pk": notification.pk})


def test_the_list_needs_sign_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_only_my_notifications_newest_first(login, student, other_student):
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=2)):
        older = notify(student, "older")
    newer = notify(student, "newer")
    notify(other_student, "theirs")

    response = login(student).get(LIST_URL)

    assert response.status_code == 200
    assert [n.pk for n in response.context["notifications"]] == [newer.pk, older.pk]
    content = response.content.decode()
    assert "Update newer" in content
    assert "Something happened (newer)." in content
    assert "Update theirs" not in content


def test_unread_items_are_marked_in_words_not_only_by_colour(login, student):
    unread = notify(student, "unread")
    read = notify(student, "read")
    read.mark_read()

    content = login(student).get(LIST_URL).content.decode()

    assert content.count('New<span class="visually-hidden">, unread:</span>') == 1
    assert reverse("notifications:mark_read", kwargs={"pk": unread.pk}) in content
    assert reverse("notifications:mark_read", kwargs={"pk": read.pk}) not in content
    assert "You have 1 unread notification." in content


def test_the_list_is_paginated(login, student):
    for n in range(23):
        notify(student, f"n{n}")
    client = login(student)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert len(first.context["notifications"]) == 20
    assert len(second.context["notifications"]) == 3
    assert 'aria-label="Pages of results"' in first.content.decode()


def test_mark_as_read_is_a_post_for_my_own_notifications(login, student, other_student):
    mine = notify(student, "mine")
    theirs = notify(other_student, "theirs")
    client = login(student)

    assert client.get(read_url(mine)).status_code == 405
    response = client.post(read_url(mine))
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert client.post(read_url(theirs)).status_code == 404

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_mark_as_read_keeps_the_page_but_not_a_foreign_next(login, student):
    first, second = notify(student, "a"), notify(student, "b")
    client = login(student)

    kept = client.post(read_url(first), {"next": f"{LIST_URL}?page=2"})
    refused = client.post(read_url(second), {"next": "https://evil.example/"})

    assert kept["Location"] == f"{LIST_URL}?page=2"
    assert refused["Location"] == LIST_URL


def test_reading_twice_keeps_the_first_time(login, student):
    notification = notify(student, "once")
    first_read = timezone.now() - timedelta(days=1)
    Notification.objects.filter(pk=notification.pk).update(read_at=first_read)

    login(student).post(read_url(notification))

    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_mark_all_as_read_touches_only_mine(login, student, other_student):
    notify(student, "a")
    notify(student, "b")
    theirs = notify(other_student, "c")
    client = login(student)

    assert client.get(MARK_ALL_URL).status_code == 405
    response = client.post(MARK_ALL_URL, follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.for_user(student).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_marks_read_and_follows_the_link(login, student):
    notification = notify(student, "open", link="/applications/")

    response = login(student).get(open_url(notification))

    assert response.status_code == 302
    assert response["Location"] == "/applications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_accepts_absolute_links_to_the_site(login, student, settings):
    settings.SITE_URL = "https://microintern.example"
    notification = notify(student, "abs", link="https://microintern.example/applications/")

    response = login(student).get(open_url(notification))

    assert response["Location"] == "https://microintern.example/applications/"


def test_opening_someone_elses_notification_is_not_found(login, student, other_student):
    theirs = notify(other_student, "theirs")

    response = login(student).get(open_url(theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_opening_never_leaves_the_site(login, student, link):
    notification = notify(student, "ext", link=link)

    response = login(student).get(open_url(notification), follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "leads away from MicroIntern" in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_without_a_link_goes_to_the_list(login, student):
    notification = notify(student, "nolink", link="")

    response = login(student).get(open_url(notification))

    assert response["Location"] == LIST_URL


def test_opening_needs_sign_in(client, student):
    notification = notify(student, "anon")

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_skipped_emails_still_show_in_the_list(login, student):
    notification = notify(student, "skipped", kind="test.nudge", category=Category.REMINDERS)
    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.SKIPPED)

    content = login(student).get(LIST_URL).content.decode()

    assert "Update skipped" in content
    assert "Not emailed: you turned these emails off." in content


# --- The header ----------------------------------------------------------------------------


def test_the_header_shows_the_unread_count(login, student, other_student):
    notify(student, "a")
    notify(student, "b")
    notify(student, "c").mark_read()
    notify(other_student, "d")

    content = login(student).get("/").content.decode()

    assert (
        f'<a href="{LIST_URL}">Notifications <span class="badge">2<span class="visually-hidden"> unread</span></span></a>'
        in content
    )


def test_the_header_link_without_unread_has_no_badge(login, employer):
    content = login(employer).get("/").content.decode()

    assert f'<a href="{LIST_URL}">Notifications</a>' in content


def test_visitors_have_no_notifications_link(client):
    assert LIST_URL not in client.get("/").content.decode()


def test_the_unread_count_is_one_query(login, student):
    notify(student, "a")
    client = login(student)
    client.get("/")  # warm up: session, content types

    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1
    assert counts[0].startswith("SELECT COUNT(*)")


def test_the_unread_count_is_not_queried_on_pages_without_the_header(login, staff):
    client = login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/staff/")

    assert response.status_code == 200
    assert not [q for q in queries if "notifications_notification" in q["sql"]]
