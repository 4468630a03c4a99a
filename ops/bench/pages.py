"""The pages `make bench` measures without the visitors' cache, each for the person who opens it.

Every page here is rendered afresh on every request: signed-in people never get the visitors'
shared copy, and the visitor's search (N1) asks for a combination of filters no request asked
for before (`fresh_search`). The cached visitor pages (L1, L2, S1, S2, D1) keep their own rows
in runner.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

#: Who opens the page: the dashboard student of the seed, the owner of the demo organization
#: (the one with the most listings: it owns its share of the generated ones too), staff.
ROLES = {
    "student": "dashboard@bench.example",
    "employer": "employer@example.com",
    "staff": "staff@example.com",
}


@dataclass(frozen=True)
class Page:
    code: str
    role: str | None
    path: str
    what: str
    #: Target of the single-request latency at the largest size, in ms: (p50, p95).
    latency_target: tuple[float, float | None] = (100, 200)
    #: Loaded with wrk for throughput ÷ floor, and the target of that ratio.
    throughput_target: float | None = None


UNCACHED = [
    Page("U1", "student", "/listings/", "signed in: /listings/", throughput_target=0.25),
    Page("U2", "student", "/listings/?page=7", "signed in: /listings/ page 7"),
    Page("U3", "student", "/listings/?q=data&sort=fee", "signed in: search 'data', highest fee"),
    Page("U4", "student", "/listings/saved/", "signed in: saved projects"),
    Page("U5", "student", "{detail}", "signed in: listing detail", throughput_target=0.25),
    Page("A1", "student", "/applications/", "student dashboard, 50 applications", throughput_target=0.25),
    Page("U6", "student", "/notifications/", "signed in: notifications"),
    Page("U7", "student", "/", "signed in: home"),
    Page("N1", None, "{fresh_search}", "visitor: a new search each request", throughput_target=0.15),
    Page("F1", None, "/listings/feed/", "visitor: Atom feed (not cached)"),
    Page("E1", "employer", "/employer/applications/application/", "employer: applicants"),
    Page("E2", "employer", "/employer/applications/application/?q=data", "employer: applicants, search"),
    Page("E3", "employer", "/employer/listings/listing/", "employer: listings"),
    Page("T1", "staff", "/staff/applications/application/", "staff: applications"),
    Page("T2", "staff", "/staff/applications/application/?q=smith", "staff: applications, search"),
    Page("T3", "staff", "/staff/listings/listing/?status=all&p={halfway}", "staff: listings, halfway page"),
    Page("T4", "staff", "/staff/listings/listing/?status=all&q=data", "staff: listings, search"),
    Page("R1", "staff", "/staff/reports/", "staff reports dashboard", latency_target=(500, None)),
]  # fmt: skip

#: Words a visitor searches for (N1): common and rare ones, as real searches are.
SEARCH_WORDS = [
    "data", "design", "python", "marketing", "research", "video", "survey", "excel",
    "writing", "translation", "analysis", "social", "website", "content", "report",
    "customer", "app", "brand", "sales", "testing",
]  # fmt: skip
LOCATION_TYPES = ["", "remote", "hybrid", "onsite"]
SORTS = ["", "newest", "deadline", "fee"]
MAX_HOURS = ["", "10", "20", "40", "80"]
MIN_RATES = ["", "5", "10", "15", "20"]


def fresh_searches() -> list[str]:
    """Addresses of a visitor's searches, each a combination of filters that differs from the
    others (8 000 of them: the run counts any it asks for twice, which the cache would answer)."""
    paths = []
    combinations = itertools.product(MIN_RATES, MAX_HOURS, SORTS, LOCATION_TYPES, SEARCH_WORDS)
    for min_rate, max_hours, sort, location, word in combinations:
        query = [("q", word)]
        if location:
            query.append(("location_type", location))
        if sort:
            query.append(("sort", sort))
        if max_hours:
            query.append(("max_hours", max_hours))
        if min_rate:
            query.append(("min_rate", min_rate))
        paths.append("/listings/?" + "&".join(f"{k}={v}" for k, v in query))
    return paths
