"""A student's messages are in their data download, and their words leave with their account."""

import json

import pytest
from django.urls import reverse

from messaging.models import Message
from tests.factories import ApplicationFactory, ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(student, organization, employer):
    application = ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization), student=student
    )
    Message.write(application=application, author=student, body="My question about the data.")
    Message.write(application=application, author=employer, body="The organization's answer.")
    return application


def test_the_download_holds_the_conversation(login, application, student):
    response = login(student).get(reverse("privacy_data"))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    (sent,) = data["applications"]
    assert sent["conversation"] == [
        {"at": sent["conversation"][0]["at"], "from": "You", "text": "My question about the data."},
        {
            "at": sent["conversation"][1]["at"],
            "from": "Northwind Test",
            "text": "The organization's answer.",
        },
    ]


def test_deleting_the_account_removes_the_students_words_only(
    login, application, student, password, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(student).post(reverse("privacy_delete"), {"password": password})
    bodies = list(Message.objects.order_by("pk").values_list("body", flat=True))
    assert "My question about the data." not in bodies
    assert bodies[1] == "The organization's answer."
    assert Message.objects.filter(author__isnull=True).count() == 1
