"""Every page of the employer and staff sites, reached by following their own links from the
home page, passes axe-core at 1280 and 320 px and does not scroll sideways at 320 px."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from tests.e2e.helpers import check_admin_page, sign_in

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-pass-2026"

# Links that leave the page's kind of work or change something when followed.
SKIP = re.compile(r"/(logout|delete|password_change|r)/|/history/\d|\?_changelist")
# Where each kind of page is linked from: the home page's lists, a list's rows and its
# "Add" button, a change page's step links and history.
LINKS = "#content a[href], .object-tools a[href], #changelist-filter a[href]"


def shape(path: str) -> str:
    """One page per kind: /employer/listings/listing/12/change/ as .../<n>/change/."""
    return re.sub(r"/\d+/", "/<n>/", path)


def site_links(page: Page, root: str) -> list[str]:
    hrefs = page.eval_on_selector_all(LINKS, "els => els.map((el) => el.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.path.startswith(root) and not SKIP.search(href):
            paths.append(parts.path + (f"?{parts.query}" if "filter" in href else ""))
    return paths


def crawl(page: Page, root: str, *, limit: int = 90) -> tuple[dict[str, str], set[str]]:
    """Visit every kind of page under `root` the site links to: ({kind: problem} for those
    that fail the checks, every kind visited)."""
    seen: set[str] = set()
    queue = [root]
    problems: dict[str, str] = {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        kind = shape(path.split("?")[0])
        if kind in seen:
            continue
        seen.add(kind)
        response = page.goto(path)
        if response is None or response.status != 200:
            continue
        try:
            check_admin_page(page)
        except AssertionError as error:
            problems[kind] = str(error)
        queue += site_links(page, root)
    return problems, seen


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


#: Pages each crawl must reach (the crawl itself finds the rest).
MUST_REACH = {
    "/employer/": {
        "/employer/",
        "/employer/listings/listing/",
        "/employer/listings/listing/add/",
        "/employer/listings/listing/<n>/change/",
        "/employer/applications/application/",
        "/employer/applications/application/<n>/change/",
    },
    "/staff/": {
        "/staff/",
        "/staff/listings/listing/",
        "/staff/listings/listing/<n>/change/",
        "/staff/listings/listing/<n>/do/request_changes/",
        "/staff/listings/listingreport/",
        "/staff/accounts/organization/",
        "/staff/reports/",
        "/staff/applications/application/",
    },
}


@pytest.mark.parametrize(
    ("email", "root"),
    [("employer@example.com", "/employer/"), ("staff@example.com", "/staff/")],
)
def test_every_back_office_page_passes(new_context, demo, email, root):
    page = new_context(root.strip("/")).new_page()
    page.goto("/")
    sign_in(page, email, DEMO_PASSWORD)
    problems, seen = crawl(page, root)
    assert MUST_REACH[root] <= seen, f"Not reached: {sorted(MUST_REACH[root] - seen)}"
    assert not problems, "\n\n".join(f"{kind}: {text}" for kind, text in problems.items())
