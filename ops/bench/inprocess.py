"""The uncached pages measured inside one process: `python -m ops.bench.inprocess [CODES…]`.

For each page of ops.bench.pages (or the codes given): its SQL queries on a fresh render, the
time of each and the median render time, and with --explain DIR the EXPLAIN (ANALYZE,
BUFFERS) of its slowest query, written to DIR/explain_<code>.txt. Prints one JSON object with
those figures, each page's address and a session cookie for each role (for `make bench`'s
requests to the server). Needs a database seeded by ops.bench.seed (DATABASE_URL);
--verbose prints a line per page on stderr, the quickest look at a page while changing it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path


def people() -> dict:
    from accounts.models import User
    from ops.bench.pages import ROLES

    return {role: User.objects.get(email=email) for role, email in ROLES.items()}


def detail_path() -> str:
    """A listing in the middle of the open ones (the same one the cached D1 row opens)."""
    from listings.models import Listing

    open_listings = Listing.objects.open().order_by("pk")
    return open_listings[open_listings.count() // 2].get_absolute_url()


class Paths:
    """Each page's address; a fresh search each time for the visitor's search."""

    def __init__(self) -> None:
        from backoffice.changelists import LargeTableAdminMixin
        from listings.models import Listing
        from ops.bench.pages import fresh_searches

        self.detail = detail_path()
        self.searches = itertools.cycle(fresh_searches())
        # The page halfway through every listing (page 1 000 of 2 000 at 100 000).
        self.halfway = Listing.objects.count() // (2 * LargeTableAdminMixin.list_per_page)

    def __call__(self, page) -> str:
        if page.path == "{detail}":
            return self.detail
        if page.path == "{fresh_search}":
            return next(self.searches)
        return page.path.format(halfway=self.halfway)


def cookies(who: dict) -> dict[str, str]:
    """A signed-in session cookie for each role."""
    from django.conf import settings

    name = settings.SESSION_COOKIE_NAME
    return {
        role: f"{name}={client_for(person).cookies[name].value}" for role, person in who.items()
    }


def client_for(person):
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    if person is not None:
        client.force_login(person)
    return client


def measure(pages, *, repeat: int = 5, budget: float = 4.0) -> dict:
    """Per page: queries of one fresh render (count, each one's ms, the slowest), render ms."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    who = people()
    paths = Paths()
    results = {"detail": paths.detail}
    pages_figures = results.setdefault("pages", {})
    # Every query a request may make is counted (see probe.measure_pages).
    counting = override_settings(REPORTS_QUERY_THREADS=1, LISTINGS_VERSION_SECONDS=0)
    for page in pages:
        client = client_for(who.get(page.role) if page.role else None)
        path = paths(page)
        if (status := client.get(path).status_code) != 200:
            raise SystemExit(f"{page.code} {path} answered {status}")
        samples = []
        deadline = time.monotonic() + budget
        while len(samples) < repeat and (not samples or time.monotonic() < deadline):
            cache.clear()
            path = paths(page)
            started = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        cache.clear()
        with counting, CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]}
            for q in captured.captured_queries
        ]
        reads = [q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
        slowest = max(reads, key=lambda q: q["ms"], default=None)
        pages_figures[page.code] = {
            "path": path,
            "role": page.role,
            "render_ms": round(statistics.median(samples), 1),
            "queries": len(queries),
            "sql_ms": round(sum(q["ms"] for q in queries), 1),
            "slowest_ms": slowest["ms"] if slowest else None,
            "slowest_sql": slowest["sql"] if slowest else None,
        }
    return results


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def write_explains(results: dict, directory: Path) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each page's slowest query, one file per page."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for code, result in results.items():
        sql = result["slowest_sql"]
        if not sql or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        path = directory / f"explain_{code}.txt"
        path.write_text(
            f"{code} {result['path']} ({result['role'] or 'visitor'}): its slowest query, "
            f"{result['slowest_ms']} ms of {result['sql_ms']} ms in {result['queries']} "
            f"queries\n\n{sql}\n\n{explain(sql)}\n"
        )
        written.append(str(path))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codes", nargs="*", help="page codes (default: every page)")
    parser.add_argument("--explain", type=Path, help="write EXPLAIN outputs to this folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print every query's time")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from ops.bench.pages import UNCACHED

    pages = [p for p in UNCACHED if not args.codes or p.code in args.codes]
    measured = measure(pages, repeat=args.repeat)
    results = measured["pages"]
    if args.verbose:
        for code, result in results.items():
            sys.stderr.write(
                f"{code:3} {result['render_ms']:8.1f} ms  {result['queries']:3} q "
                f"{result['sql_ms']:8.1f} ms sql  slowest {result['slowest_ms']} ms  "
                f"{result['path']}\n"
            )
    written = write_explains(results, args.explain) if args.explain else []
    for result in results.values():
        result.pop("slowest_sql")
    output = {
        "pages": results,
        "detail": measured["detail"],
        "paths": {code: figures["path"] for code, figures in results.items()},
        "cookies": cookies(people()),
        "explain": written,
    }
    sys.stdout.write(json.dumps(output) + "\n")


if __name__ == "__main__":
    main()
