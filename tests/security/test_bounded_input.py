"""Hostile input that used to break pages: each reproduction of issue 17 answers without a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApplicationFactory, ListingFactory

pytestmark = pytest.mark.django_db


def test_nul_in_an_employer_admin_filter_is_a_400(client, employer):
    client.force_login(employer)

    response = client.get("/employer/applications/application/?status__exact=%00")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/staff/listings/listing/?status=%00",
        "/staff/listings/listing/?industry__id__exact=1%00",
        "/staff/accounts/user/?q=%00",
        "/staff/notifications/notification/?problem=a%00b",
        "/staff/listings/listing/?%00=1",
    ],
)
def test_nul_in_a_staff_admin_parameter_is_a_400(client, staff, url):
    client.force_login(staff)

    response = client.get(url)

    assert response.status_code == 400
    assert "This request can't be read" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_nul_in_the_path_or_a_posted_field_is_a_400(client, student):
    assert client.get("/listings/a%00b/").status_code == 400
    assert client.get("/listings/?q=%00").status_code == 400
    client.force_login(student)
    response = client.post(reverse("accounts:profile"), {"first_name": "A\x00", "last_name": "B"})
    assert response.status_code == 400
    student.refresh_from_db()
    assert "\x00" not in student.first_name


def test_unicode_digit_in_the_listing_filter_matches_nothing(client, employer, organization):
    listing = ListingFactory(published=True, organization=organization)
    ApplicationFactory(listing=listing)
    client.force_login(employer)

    response = client.get("/employer/applications/application/?listing=%C2%B2")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_a_report_period_far_in_the_future_is_a_form_error(client, staff):
    client.force_login(staff)

    response = client.get("/staff/reports/?period=custom&date_from=9999-12-31&date_to=9999-12-31")

    assert response.status_code == 200
    form = response.context["form"]
    this_year = timezone.localdate().year
    expected = (
        f"Choose a day from 1 Jan {this_year} to 31 Dec {this_year}: "
        "MicroIntern has no figures outside those years."
    )
    assert form.errors == {"date_from": [expected], "date_to": [expected]}
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    "date_from, date_to", [("0001-01-01", "0001-01-07"), ("9999-12-25", "9999-12-31")]
)
def test_report_exports_refuse_periods_outside_the_data_years(client, staff, date_from, date_to):
    client.force_login(staff)

    response = client.post(
        reverse("reports:export_create"),
        {"period": "custom", "date_from": date_from, "date_to": date_to, "kind": "applications"},
        follow=True,
    )

    assert response.status_code == 200
    assert "no figures outside those years" in response.content.decode()


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_calendar_survives_a_listing_stored_with_9999_12_31(client, student, organization, status):
    # Stored before dates were bounded: the deadline and the due date on the last possible day.
    last_day = date(9999, 12, 31)
    listing = ListingFactory(
        published=True, organization=organization, application_deadline=last_day, due_date=last_day
    )
    ApplicationFactory(listing=listing, student=student, status=status)
    client.force_login(student)

    response = client.get(reverse("applications:calendar"))

    assert response.status_code == 200
    assert b"DTSTART;VALUE=DATE:99991231" in response.content
