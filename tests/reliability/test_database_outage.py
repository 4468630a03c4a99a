"""A database that is gone answers a clean 503 page, and a half-done request leaves nothing.

The real thing (PostgreSQL restarted under load) is `make faults`, scenario postgres_restart;
here the connection fails on demand so that every run of the suite checks the page and the
rollback.
"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import Client
from django.urls import reverse

from applications.models import Application, ApplicationEvent
from notifications.models import Notification
from tests.factories import ListingFactory, StudentFactory, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_gone(monkeypatch):
    """database_gone(error): from now on every query in this thread fails with `error`."""

    def switch(error: type[Exception] = OperationalError) -> None:
        def fail(*args, **kwargs):
            raise error("server closed the connection unexpectedly")

        monkeypatch.setattr(connections["default"], "cursor", fail)

    return switch


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_pages_answer_503_with_retry_after_when_the_database_is_gone(database_gone, error):
    listing = ListingFactory(published=True)
    client = Client(raise_request_exception=False)
    database_gone(error)

    for url in [reverse("listings:list"), listing.get_absolute_url(), reverse("home")]:
        response = client.get(url)

        assert response.status_code == 503, url
        assert response["Retry-After"] == "30"
        assert "no-store" in response["Cache-Control"]
        page = response.content.decode()
        assert "MicroIntern is back in a moment" in page
        assert "Traceback" not in page and "OperationalError" not in page
        # The site's security headers still apply to the error page.
        assert response["X-Content-Type-Options"] == "nosniff"


def test_other_errors_are_still_500(monkeypatch):
    from listings import views

    def broken(self, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.ListingListView, "get_context_data", broken)
    response = Client(raise_request_exception=False).get(reverse("listings:list"))

    assert response.status_code == 500


def test_an_apply_cut_off_halfway_leaves_no_partial_rows(monkeypatch, client, settings):
    """The connection drops after the application row was written but before its event."""
    listing = ListingFactory(published=True)
    student = StudentFactory()
    client.force_login(student)

    def connection_lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(ApplicationEvent.objects, "create", connection_lost)
    response = client.post(
        reverse("applications:apply", kwargs={"slug": listing.slug}),
        {
            "pitch": "I would start with a plan.",
            "availability_confirmed": "on",
            "resume": pdf_upload(),
        },
    )

    assert response.status_code == 503
    assert not Application.objects.filter(student=student).exists()
    assert not Notification.objects.filter(recipient=student).exists()
    # Nor a stray copy of the résumé in private storage.
    folder = settings.MEDIA_ROOT / "applications"
    assert not folder.exists() or not any(folder.iterdir())
