"""In-process facts about the visitors' pages of one seeded database: `python -m ops.bench.probe`.

Prints one JSON object: the URL of every benchmarked endpoint, the session cookies the
logged-in ones need, the SQL queries each page runs (counted with Django's test client,
after one warm-up request) when rendered afresh and when served from the visitors' cache,
and the median time to render each page afresh in-process. With --explain, also writes EXPLAIN (ANALYZE, BUFFERS) of the
listing queries of the list and search pages to DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: Endpoints that need a signed-in person (the pages of signed-in people are measured by
#: ops.bench.inprocess: these are the visitors' pages).
LOGINS: dict[str, str] = {}


def endpoints() -> dict[str, str]:
    from django.urls import reverse

    from listings.models import Listing
    from ops.bench.seed import COMMON_TERM, RARE_TERM

    open_listings = Listing.objects.open().order_by("pk")
    detail = open_listings[open_listings.count() // 2]
    urls = {
        "floor": reverse("bench-floor"),
        "L1": reverse("listings:list"),
        "L2": reverse("listings:list") + "?industry=software&location_type=remote&page=20",
        "S1": reverse("listings:list") + f"?q={RARE_TERM}",
        "S2": reverse("listings:list") + f"?q={COMMON_TERM}",
        "D1": detail.get_absolute_url(),
    }
    return urls


def people() -> dict:
    from accounts.models import User
    from ops.bench.seed import BENCH_STUDENT_EMAIL

    return {
        "dashboard": User.objects.get(email=BENCH_STUDENT_EMAIL),
        "staff": User.objects.get(email="staff@example.com"),
    }


def client_for(person):
    from django.test import Client

    # The production host name: ALLOWED_HOSTS holds only the loopback address.
    client = Client(SERVER_NAME="127.0.0.1")
    if person is not None:
        client.force_login(person)
    return client


def measure_pages(urls: dict[str, str], who: dict, repeat: int = 5) -> dict:
    """Per page: queries when rendered afresh and when served again, and the median time
    of a fresh render in this process (a slow page gets fewer samples, at least one)."""
    import statistics
    import time

    from django.core.cache import cache
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    fresh, again, render_ms, captured = {}, {}, {}, {}
    for name, url in urls.items():
        client = client_for(who.get(LOGINS.get(name)))
        if (status := client.get(url).status_code) != 200:  # compiles templates, fills caches
            raise SystemExit(f"{name} {url} answered {status}")
        samples = []
        deadline = time.monotonic() + 3
        while len(samples) < repeat and (not samples or time.monotonic() < deadline):
            cache.clear()
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        # Counted with the staff dashboard's figures read on this connection (they are
        # read side by side on connections of their own otherwise), and with the listings'
        # version read on every request (a process reuses it for a moment otherwise), so
        # that every query a request may make is counted.
        counting = override_settings(REPORTS_QUERY_THREADS=1, LISTINGS_VERSION_SECONDS=0)
        cache.clear()
        with counting, CaptureQueriesContext(connection) as queries:
            client.get(url)
        captured[name] = [q["sql"] for q in queries.captured_queries]
        fresh[name] = len(captured[name])
        render_ms[name] = round(statistics.median(samples), 1)
        if name in LOGINS:
            again[name] = fresh[name]  # pages for signed-in people are never shared
            continue
        with counting, CaptureQueriesContext(connection) as queries:
            client.get(url)
        again[name] = len(queries.captured_queries)
    return {"queries": fresh, "queries_cached": again, "render_ms": render_ms, "sql": captured}


def cookies(urls: dict[str, str], who: dict) -> dict[str, str]:
    from django.conf import settings

    result = {}
    for name, role in LOGINS.items():
        if name not in urls:
            continue
        client = client_for(who[role])
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        result[name] = f"{settings.SESSION_COOKIE_NAME}={session}"
    return result


def explain(captured: dict[str, list], directory: Path) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every listing query of the list and search pages."""
    from django.db import connection

    written = []
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("L1", "L2", "S1", "S2"):
        sections = []
        for sql in captured.get(name, []):
            # The search's own EXPLAIN (the planner's estimate of its matches) is not a read.
            if 'FROM "listings_listing"' not in sql or sql.lstrip().upper().startswith("EXPLAIN"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            sections.append(f"{sql}\n\n{plan}\n")
        path = directory / f"explain_{name}.txt"
        path.write_text(("\n" + "-" * 80 + "\n\n").join(sections))
        written.append(str(path))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explain", type=Path, help="write EXPLAIN outputs to this folder")
    args = parser.parse_args(argv)
    import django

    django.setup()
    urls = endpoints()
    who = people()
    measured = measure_pages(urls, who)
    result = {
        "urls": urls,
        "cookies": cookies(urls, who),
        **{key: measured[key] for key in ("queries", "queries_cached", "render_ms")},
    }
    if args.explain:
        result["explain"] = explain(measured["sql"], args.explain)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
