"""The dashboard page: staff only, filters, figures on the page, accessible SVG, constant queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import Export
from tests.factories import ApplicationFactory, ListingFactory
from tests.test_templates import Page

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/reports/"


def figure(page: Page, section: str, key: str) -> str:
    """The displayed value of one figure."""
    box = page.find(id=f"figure-{section}-{key}")
    return page.find("dd", within=box, class_="reports-figure-value").clean_text


# --- Who gets in ------------------------------------------------------------------------------


def test_the_dashboard_lives_in_the_staff_site():
    assert reverse("reports:dashboard") == DASHBOARD


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(DASHBOARD, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "next=" in response.redirect_chain[-1][0]


@pytest.mark.parametrize("role", ["student", "employer"])
def test_students_and_employers_are_refused(request, login, role):
    client = login(request.getfixturevalue(role))
    response = client.get(DASHBOARD, follow=True)
    assert response.status_code == 403
    assert "Program reports" not in response.content.decode()


def test_staff_without_the_career_center_group_are_refused(login):
    from tests.factories import UserFactory

    response = login(UserFactory(is_staff=True)).get(DASHBOARD, follow=True)
    assert response.status_code == 403


def test_career_center_staff_see_the_dashboard(login, staff):
    response = login(staff).get(DASHBOARD)
    assert response.status_code == 200
    assert "Program reports" in response.content.decode()


def test_the_staff_home_links_to_the_reports(login, staff):
    page = Page(login(staff).get("/staff/").content.decode())
    assert any(a.get("href") == DASHBOARD for a in page.find_all("a"))


def test_the_employer_home_does_not(login, employer):
    content = login(employer).get("/employer/").content.decode()
    assert DASHBOARD not in content


# --- Figures and filters on the page ----------------------------------------------------------------


def test_the_page_shows_every_figure_for_the_last_30_days_by_default(login, staff, program):
    page = Page(login(staff).get(DASHBOARD).content.decode())
    assert "19 Feb 2026 to 20 Mar 2026" in page.find(class_="reports-period").clean_text
    expected = {
        ("listings", "published"): "4",
        ("listings", "submitted"): "5",
        ("listings", "rejected"): "1",
        ("listings", "changes_requested"): "1",
        ("listings", "decision_median"): "24.0 hours",
        ("listings", "decision_p90"): "40.8 hours",
        ("listings", "waiting"): "2",
        ("listings", "oldest_wait"): "3.0 days",
        ("applications", "applications"): "7",
        ("applications", "per_listing_median"): "1.5",
        ("applications", "offers"): "4",
        ("applications", "acceptances"): "3",
        ("applications", "completion_rate"): "66.7%",
        ("applications", "decision_median"): "42.0 hours",
        ("applications", "decision_p90"): "2.6 days",
        ("applications", "no_decision_share"): "14.3%",
        ("outcomes", "completed"): "3",
        ("outcomes", "fees"): "USD 1,500.00; EUR 400.00",
        ("outcomes", "median_rate"): "USD 37.50 an hour; EUR 40.00 an hour",
        ("outcomes", "coverage"): "66.7%",
        ("outcomes", "employer_rating"): "4.0 / 5 (3 ratings)",
        ("outcomes", "student_rating"): "3.0 / 5 (2 ratings)",
        ("organizations", "new"): "2",
        ("organizations", "verified"): "1",
        ("organizations", "suspended"): "1",
        ("students", "applicants"): "4",
        ("students", "students_completed"): "2",
    }
    shown = {key: figure(page, *key) for key in expected}
    assert shown == expected
    top = page.find(id="top-organizations")
    assert [th.clean_text for th in page.find_all("th", within=top, scope="row")] == [
        "Acme",
        "Hope",
    ]


def test_every_figure_carries_its_definition(login, staff, program):
    page = Page(login(staff).get(DASHBOARD).content.decode())
    figures = page.find_all(class_="reports-figure")
    assert len(figures) == 31  # 27 and the four payment figures
    for box in figures:
        assert page.find("dd", within=box, class_="reports-figure-definition").clean_text


def test_the_industry_filter(login, staff, program):
    page = Page(login(staff).get(DASHBOARD, {"industry": "software"}).content.decode())
    assert "Software" in page.find(class_="reports-period").clean_text
    assert figure(page, "applications", "applications") == "4"
    assert figure(page, "outcomes", "fees") == "USD 1,500.00"
    selected = page.find("option", value="software")
    assert "selected" in selected.attrs


def test_a_preset_period(login, staff, program):
    page = Page(login(staff).get(DASHBOARD, {"period": "7"}).content.decode())
    assert "14 Mar 2026 to 20 Mar 2026" in page.find(class_="reports-period").clean_text
    assert figure(page, "listings", "published") == "1"
    assert figure(page, "applications", "applications") == "2"


def test_custom_dates(login, staff, program):
    response = login(staff).get(
        DASHBOARD, {"period": "custom", "date_from": "2026-03-09", "date_to": "2026-03-15"}
    )
    page = Page(response.content.decode())
    assert "9 Mar 2026 to 15 Mar 2026" in page.find(class_="reports-period").clean_text
    assert figure(page, "listings", "published") == "2"
    assert figure(page, "applications", "applications") == "2"


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "custom"}, "Enter the first day of the period."),
        (
            {"period": "custom", "date_from": "2026-03-15", "date_to": "2026-03-09"},
            "The last day must be on or after the first day.",
        ),
        (
            {"period": "custom", "date_from": "2020-01-01", "date_to": "2026-03-09"},
            "Choose a period of at most",
        ),
        ({"industry": "no-such-industry"}, "Select a valid choice."),
    ],
)
def test_a_bad_period_is_explained_and_shows_no_figures(login, staff, frozen, query, message):
    response = login(staff).get(DASHBOARD, query)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert "error-summary" in content
    assert "reports-figure" not in content


# --- Charts -------------------------------------------------------------------------------------------


def test_three_accessible_svg_charts_with_their_data_tables(login, staff, program):
    content = login(staff).get(DASHBOARD).content.decode()
    page = Page(content)
    charts = [svg for svg in page.find_all("svg") if "chart" in svg.get("class", "").split()]
    assert [svg.get("class") for svg in charts] == [
        "chart chart-weekly",
        "chart chart-industries",
        "chart chart-funnel",
    ]
    for svg in charts:
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert page.find("title", within=svg, id=title_id).clean_text
        assert page.find("desc", within=svg, id=desc_id).clean_text
    for table_id in ("weekly-data", "industry-data", "funnel-data"):
        table = page.find("table", id=table_id)
        assert page.find("caption", within=table).clean_text
    funnel = page.find("table", id="funnel-data")
    rows = [
        [cell.clean_text for cell in page.find_all(within=row) if cell.tag in {"th", "td"}]
        for row in page.find_all("tr", within=funnel)
    ][1:]
    assert rows == [
        ["Applications", "7", "100%"],
        ["Offers", "4", "57.1%"],
        ["Acceptances", "3", "42.9%"],
        ["Completions", "2", "28.6%"],
    ]


def test_the_page_keeps_to_the_content_security_policy(login, staff, program):
    response = login(staff).get(DASHBOARD)
    content = response.content.decode()
    assert " style=" not in content and "<style" not in content
    assert not re.search(r"<script(?![^>]*\bsrc=)", content), "no inline scripts"
    assert "css/reports.css" in content
    assert "Content-Security-Policy" in response.headers


def test_chart_descriptions_say_what_the_chart_shows(login, staff, program):
    page = Page(login(staff).get(DASHBOARD).content.decode())
    funnel = page.find("desc", id="funnel-desc").clean_text
    assert funnel == (
        "From 7 applications, to 4 offers (57%), to 3 acceptances (43%), to 2 completions (29%)."
    )
    weekly = page.find("desc", id="weekly-desc").clean_text
    assert "Listings published: 4 in total" in weekly
    assert "Applications submitted: 7 in total" in weekly


# --- Queries ------------------------------------------------------------------------------------------


def test_the_figures_take_the_same_few_queries_at_any_size(program, django_assert_num_queries):
    from reports.queries import Period, build_dashboard

    period = Period.last_days(30)
    # A savepoint and its release, the transaction's settings, then fifteen aggregations.
    with django_assert_num_queries(18):
        build_dashboard(period)
    ApplicationFactory.create_batch(10, status="completed", listing=program.listings["L2"])
    ListingFactory.create_batch(5, published=True, industry=program.nonprofit)
    with django_assert_num_queries(18):
        build_dashboard(period)


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_runs_a_constant_number_of_queries(
    login, staff, program, django_assert_max_num_queries
):
    client = login(staff)
    client.get(DASHBOARD)  # warm the per-user permission caches of the session
    small = _page_queries(client)
    ListingFactory.create_batch(6, published=True, industry=program.software)
    ApplicationFactory.create_batch(12, status="completed")
    ApplicationFactory.create_batch(8, status="offered", listing=program.listings["L1"])
    Export.objects.create(kind="listings", delivery="direct", requested_by=staff)
    large = _page_queries(client)
    assert large == small
    with django_assert_max_num_queries(33):
        client.get(DASHBOARD, {"industry": "software", "period": "365"})
