"""What `make bench` relies on: the floor page is off unless asked for, the pages it measures
run a number of queries that does not grow with the data, the visitors' cache is never stale,
and counting, paging and ranking stop at their caps."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from listings import filters, views
from listings.models import Listing
from microintern.bench_views import floor
from tests.factories import (
    ApplicationFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
)

ROOT = Path(__file__).resolve().parent.parent
LIST_URL = reverse("listings:list")

pytestmark = pytest.mark.django_db


def queries(client, url: str, **extra) -> int:
    """SQL queries of one fresh (not cached) request."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured)


# --- The floor ----------------------------------------------------------------------------------


def test_floor_page_is_not_routed_by_default(client, settings):
    assert settings.BENCHMARK_FLOOR is False
    assert client.get("/bench/floor/").status_code == 404


def test_floor_page_is_routed_when_the_benchmark_asks_for_it():
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('bench-floor'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "BENCHMARK_FLOOR": "true",
            "DJANGO_SETTINGS_MODULE": "microintern.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/bench/floor/"


def test_floor_page_touches_no_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = floor(rf.get("/bench/floor/"))
    assert response.status_code == 200


# --- Queries per page, at two sizes -------------------------------------------------------------


def _browse_data(count: int, industry, skills) -> None:
    for index in range(count):
        ListingFactory(
            published=True,
            industry=industry,
            location_type="remote" if index % 3 else "onsite",
            description="We need a student to analyse our **data** and write a short report.",
            skills=skills,
        )


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("L1", {}),
        ("L2", {"industry": "software", "location_type": "remote", "page": "2"}),
        ("S1", {"q": "seldom"}),
        ("S2", {"q": "data"}),
    ],
)
def test_browse_and_search_queries_do_not_grow_with_the_listings(client, page, query):
    industry = IndustryFactory(name="Software", slug="software")
    skills = [SkillFactory(name="Python"), SkillFactory(name="Excel")]
    ListingFactory(published=True, title="A seldom seen project", industry=industry)
    _browse_data(30, industry, skills)
    at_thirty = queries(client, LIST_URL, data=query)
    _browse_data(60, industry, skills)
    at_ninety = queries(client, LIST_URL, data=query)
    assert at_thirty == at_ninety
    if page == "L1":
        # cache version, capped count, the page, its skills, industry and skill choices
        assert at_ninety <= 6


def test_listing_detail_queries_do_not_grow(client):
    few = ListingFactory(published=True, skills=[SkillFactory(name="Python")])
    with_few = queries(client, few.get_absolute_url())
    ListingFactory.create_batch(20, published=True)
    many = ListingFactory(
        published=True, skills=[SkillFactory(name=f"Skill {n}") for n in range(8)]
    )
    assert queries(client, many.get_absolute_url()) == with_few


STATES = ["submitted", "viewed", "shortlisted", "offered", "accepted", "completed", "withdrawn"]


def test_student_dashboard_queries_do_not_grow_with_applications(login, student):
    client = login(student)
    url = reverse("applications:list")

    def apply(count: int) -> None:
        for index in range(count):
            ApplicationFactory(student=student, status=STATES[index % len(STATES)])

    apply(5)
    with_five = queries(client, url)
    apply(45)
    assert queries(client, url) == with_five


# --- The visitors' cache ------------------------------------------------------------------------


def test_a_visitor_gets_a_cached_copy_in_one_query_or_none(
    client, settings, django_assert_num_queries
):
    ListingFactory(published=True, title="Catalogue the archive")
    assert "Catalogue the archive" in client.get(LIST_URL).content.decode()
    # Within LISTINGS_VERSION_SECONDS the process reuses the version it read: no query.
    with django_assert_num_queries(0):
        response = client.get(LIST_URL)
    assert "Catalogue the archive" in response.content.decode()
    assert "Cookie" in response["Vary"]
    # Read on every request, the version costs the one query.
    settings.LISTINGS_VERSION_SECONDS = 0
    with django_assert_num_queries(1):
        response = client.get(LIST_URL)
    assert "Catalogue the archive" in response.content.decode()


def test_a_change_made_by_another_process_shows_within_the_version_time(client, settings):
    settings.LISTINGS_VERSION_SECONDS = 60
    listing = ListingFactory(published=True, title="Catalogue the archive")
    assert "Catalogue the archive" in client.get(LIST_URL).content.decode()
    # Another web process closes it: this process gets no signal, only the database moves.
    Listing.objects.filter(pk=listing.pk).update(
        status=Listing.Status.CLOSED, updated_at=timezone.now()
    )
    assert "Catalogue the archive" in client.get(LIST_URL).content.decode()  # still shared
    # Once the version is older than LISTINGS_VERSION_SECONDS, it is read again.
    settings.LISTINGS_VERSION_SECONDS = 0
    assert "Catalogue the archive" not in client.get(LIST_URL).content.decode()


def test_a_closed_listing_leaves_the_cached_pages_at_once(client):
    listing = ListingFactory(published=True, title="Catalogue the archive")
    assert "Catalogue the archive" in client.get(LIST_URL).content.decode()
    assert client.get(listing.get_absolute_url()).status_code == 200
    listing.close(by=None)
    assert "Catalogue the archive" not in client.get(LIST_URL).content.decode()
    detail = client.get(listing.get_absolute_url()).content.decode()
    assert "no longer accepting applications" in detail


def test_a_suspended_organization_leaves_the_cached_pages_at_once(client, staff):
    organization = OrganizationFactory(verified=True)
    ListingFactory(published=True, organization=organization, title="Catalogue the archive")
    assert "Catalogue the archive" in client.get(LIST_URL).content.decode()
    organization.suspend(by=staff, note="Reported as a scam.")
    assert "Catalogue the archive" not in client.get(LIST_URL).content.decode()


def test_signed_in_people_never_get_a_visitors_copy(client, login, student):
    listing = ListingFactory(published=True)
    for url in (LIST_URL, listing.get_absolute_url()):
        assert "Sign in" in client.get(url).content.decode()
        content = login(student).get(url).content.decode()
        assert "Sign out" in content
        client.logout()


def test_a_visitor_with_a_pending_message_gets_a_fresh_page(client):
    ListingFactory(published=True)
    client.get(LIST_URL)
    client.cookies["messages"] = "pending"
    with CaptureQueriesContext(connection) as captured:
        client.get(LIST_URL)
    assert len(captured) > 1


def test_the_listing_page_holds_nothing_personal_for_visitors(client):
    listing = ListingFactory(published=True)
    response = client.get(listing.get_absolute_url())
    content = response.content.decode()
    assert "csrfmiddlewaretoken" not in content
    assert not response.cookies
    login = reverse("account_login")
    assert f'href="{login}?next=%2Flistings%2F{listing.slug}%2F"' in content
    assert "Save for later" in content


# --- Caps ---------------------------------------------------------------------------------------


def test_counting_and_paging_stop_at_the_cap(client, monkeypatch):
    monkeypatch.setattr(views, "RESULTS_CAP", 40)
    ListingFactory.create_batch(45, published=True)
    response = client.get(LIST_URL)
    assert response.context["paginator"].count == 40
    assert response.context["paginator"].num_pages == 2
    assert "More than 40 open projects." in response.content.decode()

    past = client.get(LIST_URL, {"page": "3"})
    assert past.context["page_obj"].number == 2
    assert "Only the first 40 results can be browsed page by page" in past.content.decode()


def test_a_search_ranks_its_newest_matches_after_every_other_filter(client, monkeypatch):
    monkeypatch.setattr(filters, "RANK_WINDOW", 2)
    software = IndustryFactory(name="Software", slug="software")
    design = IndustryFactory(name="Design", slug="design")
    older = [
        ListingFactory(published=True, industry=software, title=f"Archive {n}") for n in range(4)
    ]
    for n in range(3):
        ListingFactory(published=True, industry=design, title=f"Archive design {n}")

    response = client.get(LIST_URL, {"q": "archive", "industry": "software"})
    shown = {listing.pk for listing in response.context["listings"]}
    # The newest software matches (the window and one more, to tell that there are more),
    # not the newer design ones the industry leaves out.
    assert shown == {older[1].pk, older[2].pk, older[3].pk}


@pytest.mark.parametrize("index_first", [True, False], ids=["rare word", "common word"])
def test_a_search_finds_the_same_newest_window_whichever_way_it_reads_it(
    client, monkeypatch, index_first
):
    # Few matches (the planner's estimate): through the search index, then sorted; many: by
    # walking the listings newest first. Either way the same newest matches are ranked.
    monkeypatch.setattr(filters, "RANK_WINDOW", 2)
    monkeypatch.setattr(filters, "INDEX_FIRST_UP_TO", 10**9 if index_first else -1)
    listings = [ListingFactory(published=True, title=f"Archive {n}") for n in range(5)]
    ListingFactory(published=True, title="Lighthouse keeper")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL, {"q": "archive"})

    assert {listing.pk for listing in response.context["listings"]} == {
        listing.pk for listing in listings[2:]
    }
    window = [q["sql"] for q in captured if 'AS "pk"' in q["sql"] and "LIMIT 3" in q["sql"]]
    assert len(window) == 1
    assert ("NULLS LAST" in window[0]) is index_first
    assert any(q["sql"].startswith("EXPLAIN (FORMAT JSON)") for q in captured)


def test_the_planner_estimate_of_a_search_grows_with_its_matches():
    common = [ListingFactory(published=True, title=f"Archive {n}") for n in range(30)]
    ListingFactory(published=True, title="Lighthouse keeper")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE listings_listing")
    from django.contrib.postgres.search import SearchQuery

    def estimate(word: str) -> int:
        query = SearchQuery(word, search_type="websearch", config="english")
        return filters.estimated_count(Listing.objects.filter(search_vector=query))

    assert estimate("archive") > estimate("lighthouse")
    assert estimate("archive") >= len(common) // 2


def test_a_search_with_more_matches_than_the_cap_says_so(client, monkeypatch):
    monkeypatch.setattr(views, "RESULTS_CAP", 3)
    monkeypatch.setattr(filters, "RANK_WINDOW", 3)
    for n in range(5):
        ListingFactory(published=True, title=f"Archive {n}")
    response = client.get(LIST_URL, {"q": "archive"})
    assert response.context["paginator"].count == 3
    assert "More than 3 open projects match your filters." in response.content.decode()


# --- The uncached pages of `make bench` ---------------------------------------------------------


def test_a_visitors_new_searches_never_repeat_and_each_is_a_valid_list_page(client):
    from ops.bench.pages import fresh_searches

    searches = fresh_searches()
    assert len(set(searches)) == len(searches) >= 8000
    for path in searches[::997]:
        assert client.get(path).status_code == 200


def test_every_uncached_page_answers_its_person(client, login, student, employer, staff):
    from ops.bench.pages import UNCACHED

    ListingFactory(published=True)
    people = {"student": student, "employer": employer, "staff": staff}
    for page in UNCACHED:
        if page.path.startswith("{"):
            continue
        client.logout()
        if page.role:
            client.force_login(people[page.role])
        assert client.get(page.path).status_code == 200, page.code


def _row(p50: float, p95: float, ratio: float | None = None) -> dict:
    load = {"rps": 10, "ratio": ratio} if ratio is not None else None
    return {"p50_ms": p50, "p95_ms": p95, "queries": 7, "load": load}


def test_each_uncached_target_is_met_only_within_its_limit():
    from ops.bench.runner import _target
    from ops.bench.uncached import targets

    table = {
        "U1": {"10k": _row(50, 90, 0.3), "100k": _row(90, 150, 0.3), "p95_growth": 1.67},
        "R1": {"10k": _row(300, 400), "100k": _row(450, 900), "p95_growth": 2.25},
    }
    met = {t["figure"]: t["met"] for t in targets(table, ["10k", "100k"], "100k", "10k", _target)}
    assert met["U1 p50 / p95 at 100k"] is True
    assert met["U1 p95 100k ÷ 10k"] is False
    assert met["U1 throughput ÷ floor"] is True
    assert met["U1 SQL queries 10k / 100k"] is True
    # The reports dashboard is held to its median only.
    assert met["R1 p50 at 100k"] is True


def test_the_run_replaces_only_the_summary_between_the_readme_markers(tmp_path, monkeypatch):
    from ops.bench import runner

    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\n{runner.SUMMARY_START}\nold table\n{runner.SUMMARY_END}\n\nAfter.\n"
    )
    monkeypatch.setattr(runner, "README", readme)
    monkeypatch.setattr(runner, "summary_table", lambda result: "new table")
    runner.update_readme({})
    assert readme.read_text() == (
        f"# Title\n\n{runner.SUMMARY_START}\nnew table\n{runner.SUMMARY_END}\n\nAfter.\n"
    )


# --- The seed ------------------------------------------------------------------------------------


def test_the_seed_fills_a_database_every_page_can_be_measured_on():
    """`make bench` starts from `ops.bench.seed`: its raw inserts must keep up with the models."""
    from applications.models import Application
    from ops.bench.seed import APPLICATIONS_PER_LISTING, BENCH_DOMAIN, seed

    result = seed(300)

    assert result["published_listings"] >= 300
    bench = Application.objects.filter(
        student__email__startswith="student", student__email__endswith=f"@{BENCH_DOMAIN}"
    )
    assert bench.count() >= 300 * APPLICATIONS_PER_LISTING * 0.9
    assert set(bench.values_list("payment_status", flat=True)) == {"unpaid"}
    assert not bench.filter(events__isnull=True).exists()
