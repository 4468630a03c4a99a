"""Large changelists: counted up to a limit, deep pages through their ids, the date hierarchy
from the first and last date, searches table by table, and queries that do not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from backoffice.changelists import (
    LargeTableAdminMixin,
    LargeTablePaginator,
    narrows,
    with_periods_from_range,
)
from backoffice.search import condition
from listings.models import Listing
from tests.factories import ApplicationFactory, ListingFactory, StudentFactory

pytestmark = pytest.mark.django_db

STAFF_APPLICATIONS = reverse("admin:applications_application_changelist")
STAFF_LISTINGS = reverse("admin:listings_listing_changelist")
EMPLOYER_APPLICATIONS = reverse("employer:applications_application_changelist")
EMPLOYER_LISTINGS = reverse("employer:listings_listing_changelist")


def _queries(client, url: str, **data) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


# --- Counting and paging -----------------------------------------------------------------------


def test_a_count_within_the_limit_is_exact(organization):
    ListingFactory.create_batch(7, organization=organization)
    paginator = LargeTablePaginator(Listing.objects.order_by("pk"), 3)
    assert paginator.count == 7
    assert paginator.num_pages == 3


def test_a_count_past_the_limit_is_the_planners_estimate(organization, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "exact_count_limit", 4)
    ListingFactory.create_batch(9, organization=organization)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE listings_listing")
    paginator = LargeTablePaginator(Listing.objects.order_by("pk"), 3)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count
    # Counted up to 5 rows, then estimated from the statistics ANALYZE just took.
    assert count == 9
    assert "LIMIT 5" in captured.captured_queries[0]["sql"]
    assert captured.captured_queries[1]["sql"].startswith("EXPLAIN")


def _titled(organization, count: int, title: str = "Data") -> None:
    for index in range(count):
        ListingFactory(organization=organization, published=True, title=f"{title} {index}")


def test_a_search_is_counted_up_to_its_cap_and_says_there_are_more(
    login, staff, organization, monkeypatch
):
    monkeypatch.setattr(LargeTablePaginator, "narrowed_count_limit", 4)
    monkeypatch.setattr(LargeTableAdminMixin, "list_per_page", 2)
    _titled(organization, 7)
    with CaptureQueriesContext(connection) as captured:
        response = login(staff).get(STAFF_LISTINGS, {"status": "all", "q": "data"})
    cl = response.context["cl"]
    assert cl.result_count == 4 and cl.paginator.more_than_limit
    assert cl.paginator.num_pages == 2
    counts = [q["sql"] for q in captured if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 5" in counts[0]
    assert not [q for q in captured if q["sql"].startswith("EXPLAIN")]
    content = response.content.decode()
    assert (
        "More than 4 listings: only the first 4 can be browsed page by page. "
        "Narrow your search or choose a filter to see the others." in content
    )
    assert "more than 4 results" in content
    assert "Select every match (more than 4 listings)" in content
    assert response.context["selection_note_all"] == "Every match selected (more than 4)"


def test_a_page_past_the_cap_shows_the_last_page_it_offers(login, staff, organization, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "narrowed_count_limit", 4)
    monkeypatch.setattr(LargeTableAdminMixin, "list_per_page", 2)
    _titled(organization, 7)
    response = login(staff).get(STAFF_LISTINGS, {"status": "all", "q": "data", "p": "9"})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.page_num == 2 and len(cl.result_list) == 2
    content = response.content.decode()
    assert '<span class="this-page">2</span>' in content
    assert "p=3" not in content


def test_a_filter_is_counted_up_to_the_cap_too(login, staff, organization, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "narrowed_count_limit", 4)
    _titled(organization, 6)
    response = login(staff).get(STAFF_LISTINGS, {"status": "published"})
    assert response.context["cl"].result_count == 4
    assert response.context["cl"].paginator.more_than_limit


def test_the_whole_list_is_counted_as_before_and_an_estimate_says_about(
    login, staff, organization, monkeypatch
):
    monkeypatch.setattr(LargeTablePaginator, "narrowed_count_limit", 2)
    monkeypatch.setattr(LargeTablePaginator, "exact_count_limit", 4)
    _titled(organization, 6)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE listings_listing")
    # "All" narrows nothing: the estimate past the exact limit, as before.
    response = login(staff).get(STAFF_LISTINGS, {"status": "all"})
    cl = response.context["cl"]
    assert not cl.paginator.more_than_limit and cl.paginator.estimated
    assert cl.result_count == 6
    assert "About 6 listings" in response.content.decode()


def test_a_count_within_the_caps_reads_as_a_plain_number(login, staff, organization):
    _titled(organization, 3)
    response = login(staff).get(STAFF_LISTINGS, {"status": "all", "q": "data"})
    content = response.content.decode()
    assert "3 listings" in content and "More than" not in content and "About" not in content
    assert "3 results" in content


def test_narrows_tells_a_filter_or_search_from_the_whole_list(organization):
    root = Listing.objects.filter(organization=organization)
    assert not narrows(root.order_by("-pk"), root)
    assert narrows(root.filter(title__icontains="data"), root)


def test_a_deep_page_holds_the_rows_an_offset_would(organization):
    ListingFactory.create_batch(25, organization=organization)
    ordered = Listing.objects.order_by("-updated_at", "-pk")
    page = LargeTablePaginator(ordered, 10).page(3)
    assert list(page.object_list) == list(ordered)[20:25]
    assert page.has_previous() and not page.has_next()


def test_the_date_hierarchy_offers_every_period_between_the_first_and_last_date(organization):
    listing = ListingFactory(organization=organization, published=True)
    zone = timezone.get_current_timezone()
    for month in (2, 5):
        application = ApplicationFactory(listing=listing)
        created = datetime.datetime(2026, month, 10, 12, tzinfo=zone)
        Application.objects.filter(pk=application.pk).update(created_at=created)
    periods = with_periods_from_range(Application.objects.all())
    with CaptureQueriesContext(connection) as captured:
        months = periods.datetimes("created_at", "month")
    assert [m.month for m in months] == [2, 3, 4, 5]
    assert len(captured) == 1 and "DISTINCT" not in captured.captured_queries[0]["sql"]
    assert [y.year for y in periods.datetimes("created_at", "year")] == [2026]
    assert len(periods.filter(created_at__month=2).datetimes("created_at", "day")) == 1


def test_the_staff_applications_list_reads_no_date_of_every_row(login, staff, organization):
    listing = ListingFactory(organization=organization, published=True)
    ApplicationFactory.create_batch(3, listing=listing)
    queries = _queries(login(staff), STAFF_APPLICATIONS)
    assert not [sql for sql in queries if "DISTINCT" in sql]
    assert not [sql for sql in queries if "COUNT(*)" in sql and "LIMIT" not in sql]


# --- Queries that do not grow ------------------------------------------------------------------


def _applications(organization, count: int) -> None:
    for index in range(count):
        listing = ListingFactory(organization=organization, published=True, title=f"Data {index}")
        ApplicationFactory(listing=listing, student=StudentFactory(last_name="Smith"))


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (STAFF_APPLICATIONS, {}),
        (STAFF_APPLICATIONS, {"q": "smith"}),
        (STAFF_APPLICATIONS, {"q": "data", "p": "2"}),
        (STAFF_LISTINGS, {"status": "all"}),
        (STAFF_LISTINGS, {"status": "all", "q": "data", "p": "2"}),
    ],
)
def test_staff_changelists_run_as_many_queries_for_more_rows(
    login, staff, organization, monkeypatch, url, data
):
    monkeypatch.setattr(LargeTableAdminMixin, "list_per_page", 5)
    client = login(staff)
    _applications(organization, 12)
    few = len(_queries(client, url, **data))
    _applications(organization, 24)
    assert len(_queries(client, url, **data)) == few


@pytest.mark.parametrize("data", [{}, {"q": "smith"}, {"q": "data"}, {"p": "2"}])
def test_the_employer_applicants_list_runs_as_many_queries_for_more_rows(
    login, employer, organization, monkeypatch, data
):
    monkeypatch.setattr(LargeTableAdminMixin, "list_per_page", 5)
    client = login(employer)
    _applications(organization, 12)
    few = _queries(client, EMPLOYER_APPLICATIONS, **data)
    _applications(organization, 24)
    many = _queries(client, EMPLOYER_APPLICATIONS, **data)
    assert len(many) == len(few)
    # Scoped along foreign keys: nothing to de-duplicate, so no DISTINCT to sort by.
    assert not [sql for sql in many if "DISTINCT" in sql]


# --- Searching table by table ------------------------------------------------------------------


def test_the_staff_search_finds_applications_through_each_related_table(
    login, staff, organization, other_organization
):
    by_name = ApplicationFactory(
        listing=ListingFactory(organization=organization, published=True, title="Logo"),
        student=StudentFactory(first_name="Ada", last_name="Smithson"),
    )
    # Named students: a random surname could be "Smith" and match by name.
    by_title = ApplicationFactory(
        listing=ListingFactory(organization=organization, published=True, title="Smithy map"),
        student=StudentFactory(first_name="Bo", last_name="Lee"),
    )
    by_organization = ApplicationFactory(
        listing=ListingFactory(organization=other_organization, published=True, title="Survey"),
        student=StudentFactory(first_name="Cy", last_name="Ray"),
    )
    unmatched = ApplicationFactory(
        listing=ListingFactory(organization=organization, published=True, title="Poster"),
        student=StudentFactory(first_name="Di", last_name="Fox"),
    )
    client = login(staff)

    def found(term: str) -> set[int]:
        response = client.get(STAFF_APPLICATIONS, {"q": term})
        return {a.pk for a in response.context["cl"].result_list}

    assert found("smith") == {by_name.pk, by_title.pk}
    assert found("globex") == {by_organization.pk}
    # Every word must match, as in Django's own search.
    assert found("smith ada") == {by_name.pk}
    assert unmatched.pk not in found("smith") | found("globex")
    assert found("nobody") == set()


def test_many_matches_in_a_related_table_stay_a_subquery(organization, monkeypatch):
    monkeypatch.setattr("backoffice.search.ID_LIST_LIMIT", 2)
    for index in range(4):
        ApplicationFactory(
            listing=ListingFactory(organization=organization, published=True, title=f"Data {index}")
        )
    found = Application.objects.filter(condition(Application, ["listing__title"], "data"))
    assert found.count() == 4
    assert "SELECT" in str(found.query).split("WHERE", 1)[1]


def test_row_links_keep_the_lists_filters_without_resolving_each_row(
    login, staff, organization, monkeypatch
):
    from django.contrib.admin.templatetags import admin_urls

    listing = ListingFactory(organization=organization, published=True)
    ApplicationFactory.create_batch(3, listing=listing)
    resolved = []
    original = admin_urls.resolve
    monkeypatch.setattr(admin_urls, "resolve", lambda url: resolved.append(url) or original(url))
    response = login(staff).get(STAFF_APPLICATIONS, {"status": "submitted"})
    content = response.content.decode()
    for application in Application.objects.all():
        change = reverse("admin:applications_application_change", args=[application.pk])
        assert f'href="{change}?_changelist_filters=status%3Dsubmitted"' in content
    assert not [url for url in resolved if "/change/" in url]


def test_the_rows_checkbox_is_the_html_djangos_widget_renders(organization):
    from django.contrib import admin
    from django.contrib.admin.sites import site

    listing = ListingFactory(organization=organization, published=True, title='Fish & "chips" <b>')
    application = ApplicationFactory(listing=listing)
    ours = site._registry[Application]
    assert ours.action_checkbox(application) == admin.ModelAdmin.action_checkbox(ours, application)


@pytest.mark.parametrize("data", [{}, {"q": "data"}, {"status__exact": "published"}])
def test_the_employer_listings_list_runs_as_many_queries_for_more_rows(
    login, employer, organization, data
):
    client = login(employer)
    _applications(organization, 12)
    few = _queries(client, EMPLOYER_LISTINGS, **data)
    _applications(organization, 60)
    response = client.get(EMPLOYER_LISTINGS, data)
    assert len(_queries(client, EMPLOYER_LISTINGS, **data)) == len(few)
    # 50 rows a page, whatever the organization's size.
    assert len(response.context["cl"].result_list) == 50
