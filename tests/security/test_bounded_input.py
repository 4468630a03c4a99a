"""Hostile input that used to break pages: each reproduction of issue 17 answers without a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.sites import employer_site
from backoffice.changelists import BoundedDateChangeList
from listings.models import Listing
from microintern.middleware import has_unreadable_input
from tests.factories import ApplicationFactory, IndustryFactory, ListingFactory

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


@pytest.mark.parametrize("where", ["GET value", "GET name", "POST value", "path"])
def test_a_lone_surrogate_is_unreadable_input(rf, where):
    # UTF-8 decoding never makes one (bad bytes become U+FFFD), but a parameter set by other
    # code could hold one, and PostgreSQL cannot store it.
    surrogate = "\ud800"
    request = rf.post("/listings/", {"q": "fine"})
    if where == "GET value":
        request.GET = QueryDict(mutable=True)
        request.GET["q"] = f"a{surrogate}"
    elif where == "GET name":
        request.GET = QueryDict(mutable=True)
        request.GET[surrogate] = "1"
    elif where == "POST value":
        request.POST._mutable = True
        request.POST["q"] = surrogate
    else:
        request.path_info = f"/listings/{surrogate}/"

    assert has_unreadable_input(request)
    assert not has_unreadable_input(rf.post("/listings/", {"q": "Zoë ² 😀 ١٢"}))


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


# --- Listing dates ----------------------------------------------------------------------------------

LISTING_FORM = {
    "title": "Clean our donor data",
    "summary": "Tidy a spreadsheet.",
    "description": "We have rows.",
    "deliverables": "A cleaned CSV",
    "estimated_hours": "10",
    "fee": "400.00",
    "currency": "USD",
    "pay_justification": "",
    "location_type": "remote",
    "city": "",
    "region": "",
    "country": "",
    "openings": "1",
    "eligibility": "",
    "contact_email": "",
    "events-TOTAL_FORMS": "0",
    "events-INITIAL_FORMS": "0",
    "events-MIN_NUM_FORMS": "0",
    "events-MAX_NUM_FORMS": "1000",
}


@pytest.mark.parametrize("submit", [False, True])
def test_a_listing_dated_9999_12_31_is_refused_at_the_fields(client, employer, submit):
    data = {
        **LISTING_FORM,
        "industry": IndustryFactory().pk,
        "application_deadline": "9999-12-31",
        "due_date": "9999-12-31",
    }
    if submit:
        data["_submit"] = "Submit for review"
    client.force_login(employer)

    response = client.post(reverse("employer:listings_listing_add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["application_deadline"] == [
        "Choose an application deadline within 365 days from today: "
        "students plan for the months ahead, not years."
    ]
    assert "due_date" not in errors  # The same day as the deadline: only the deadline is wrong.
    assert not Listing.objects.exists()


def test_a_due_date_over_a_year_after_the_deadline_is_refused_at_the_field(client, employer):
    today = timezone.localdate()
    data = {
        **LISTING_FORM,
        "industry": IndustryFactory().pk,
        "application_deadline": (today + timedelta(days=30)).isoformat(),
        "due_date": (today + timedelta(days=30 + 366)).isoformat(),
    }
    client.force_login(employer)

    response = client.post(reverse("employer:listings_listing_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["due_date"] == [
        "Choose a due date within 365 days after the application deadline: "
        "a micro-internship is a short project."
    ]


def test_the_last_allowed_dates_are_accepted(client, employer):
    today = timezone.localdate()
    deadline = today + timedelta(days=365)
    data = {
        **LISTING_FORM,
        "industry": IndustryFactory().pk,
        "application_deadline": deadline.isoformat(),
        "due_date": (deadline + timedelta(days=365)).isoformat(),
    }
    client.force_login(employer)

    response = client.post(reverse("employer:listings_listing_add"), data)

    assert response.status_code == 302
    assert Listing.objects.get().due_date == deadline + timedelta(days=365)


def test_a_stored_listing_dated_9999_cannot_be_submitted(employer, organization):
    last_day = date(9999, 12, 31)
    listing = ListingFactory(
        organization=organization, application_deadline=last_day, due_date=last_day
    )

    with pytest.raises(ValidationError) as error:
        listing.submit(by=employer)

    assert "within 365 days" in error.value.message_dict["application_deadline"][0]
    listing.refresh_from_db()
    assert listing.status == Listing.Status.DRAFT


# --- Text lengths -----------------------------------------------------------------------------------

#: Text the site writes itself from bounded input (rendered Markdown, email bodies): no form
#: takes it, and its length follows from the fields it is made of.
DERIVED_TEXT = {
    "listings.Listing.description_html",
    "notifications.Notification.body_text",
    "notifications.Notification.body_html",
}


def test_every_text_field_has_a_maximum_length():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for app in ["accounts", "listings", "applications", "notifications", "reports"]
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and not field.max_length
    ]
    assert set(unbounded) == DERIVED_TEXT


def test_a_huge_organization_description_is_refused_at_the_field(client, employer, organization):
    client.force_login(employer)
    url = reverse("employer:accounts_organization_change", args=[organization.pk])

    response = client.post(
        url,
        {
            "name": organization.name,
            "website": organization.website,
            "description": "x" * 5001,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["description"] == [
        "Ensure this value has at most 5000 characters (it has 5001)."
    ]
    organization.refresh_from_db()
    assert organization.description == ""


# --- The visitors' cache ----------------------------------------------------------------------------


def visitor_copies() -> list[str]:
    return cache.keys("listings:visitor:*")


def test_parameters_a_page_does_not_read_share_its_copy_and_store_nothing(
    client, django_assert_num_queries
):
    ListingFactory(published=True, title="Catalogue the archive")
    url = reverse("listings:list")
    assert "Catalogue the archive" in client.get(url, {"q": "archive"}).content.decode()
    assert len(visitor_copies()) == 1

    for n in range(6):
        with django_assert_num_queries(0):
            response = client.get(url, {"q": "archive", "utm_source": f"x{n}", f"junk{n}": "y"})
        assert "Catalogue the archive" in response.content.decode()
        assert "junk" not in response.content.decode()
    assert len(visitor_copies()) == 1


def test_a_page_rendered_with_an_ignored_parameter_is_not_shared(client):
    ListingFactory(published=True)
    url = reverse("listings:list")

    first = client.get(url, {"tracking": "mi-marker"})
    assert "mi-marker" in first.content.decode()  # The "save this search" link keeps it.
    assert visitor_copies() == []

    second = client.get(url)
    assert "mi-marker" not in second.content.decode()
    assert len(visitor_copies()) == 1


def test_a_page_over_the_size_limit_is_not_cached(client, settings, organization):
    listing = ListingFactory(published=True, organization=organization)
    # Stored before descriptions were bounded: 9 MB of text on every one of its pages.
    Organization.objects.filter(pk=organization.pk).update(description="x" * 9_000_000)

    for _ in range(2):
        response = client.get(listing.get_absolute_url())
        assert response.status_code == 200
        assert len(response.content) > 9_000_000
    assert visitor_copies() == []

    Organization.objects.filter(pk=organization.pk).update(description="Small.")
    settings.VISITOR_CACHE_MAX_BYTES = 512 * 1024
    assert client.get(listing.get_absolute_url()).status_code == 200
    assert len(visitor_copies()) == 1


# --- Admin date hierarchies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=99999999999999999999",
        "created_at__year=9999",
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
        "created_at__year=%C2%B2",
    ],
)
@pytest.mark.parametrize(
    "changelist",
    [
        "/staff/applications/application/",
        "/staff/notifications/notification/",
        "/staff/reports/export/",
    ],
)
def test_an_impossible_date_hierarchy_reopens_the_list(client, staff, changelist, query):
    client.force_login(staff)

    response = client.get(f"{changelist}?{query}")

    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"


def test_every_date_hierarchy_in_the_admin_sites_is_bounded(rf, staff):
    request = rf.get("/")
    request.user = staff
    with_hierarchy = [
        model_admin
        for site in (admin.site, employer_site)
        for model_admin in site._registry.values()
        if model_admin.date_hierarchy
    ]
    assert with_hierarchy
    for model_admin in with_hierarchy:
        assert issubclass(model_admin.get_changelist(request), BoundedDateChangeList), model_admin
