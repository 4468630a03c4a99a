"""Browser journeys: Debian's Chromium, driven by Playwright, against the live test server.

Fixtures here:
- `browser`: one headless Chromium for the whole `tests/e2e` package (`--headed` and
  `--slowmo` from pytest-playwright work).
- `new_context(label)`: a fresh browser profile per person in a journey (a visitor, a
  student, an employer, staff), with bounded timeouts, the live server as base URL, and
  listeners that record console errors, uncaught page errors and Content-Security-Policy
  violations. The test fails if any page it visited reported one.
- `page`: one page in one context, for single-person journeys.
- `mailbox`: the emails the site sent (Django's locmem outbox, shared with the server).
- `nu_checker`: the W3C Nu Html Checker for the session; every HTML document a journey
  receives is checked with it, and the test fails on any error.

On failure, every open page's screenshot and HTML are saved under `test-results/e2e/`, with
the screenshots a journey took of its steps on the way (helpers.snapshot).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.nu import NuChecker

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless Chromium in a container: no sandbox, no GPU, and no calls home (the network
# beyond loopback is closed, and Chromium would otherwise keep trying).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results" / "e2e"

# Every wait is bounded: an action or assertion gives up after ACTION_TIMEOUT ms.
ACTION_TIMEOUT = 10_000
NAVIGATION_TIMEOUT = 15_000
DESKTOP = {"width": 1280, "height": 900}

# The live server answers on IPv4 loopback, the address Chromium reaches without guessing.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

# Records Content-Security-Policy violations through a binding that survives navigation.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  if (window.__e2eCspViolation) {
    window.__e2eCspViolation({
      page: document.location.href,
      directive: event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
    });
  }
}, true);
"""


REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(REPORTS, {})[report.when] = report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(REPORTS, {})
    return any(report.failed for report in reports.values())


# --- Browser --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def _playwright_driver() -> Iterator:
    """Playwright for this package only.

    Playwright's synchronous API keeps an asyncio loop marked as running in this thread
    while it is started. Django refuses ORM calls under a running loop, so the journeys
    (which set up data and flush the database between tests) allow them here, and the
    driver stops when the package is done, before any other test runs.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright_driver, browser_type_launch_args) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(or set CHROMIUM_PATH). Never `playwright install`."
        )
    launched = _playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        timeout=30_000,
        **{key: value for key, value in browser_type_launch_args.items() if key != "channel"},
    )
    yield launched
    launched.close()


@pytest.fixture(autouse=True)
def _site_url(settings, live_server):
    """Links in emails point at the live server the browser is talking to."""
    settings.SITE_URL = live_server.url
    expect.set_options(timeout=ACTION_TIMEOUT)


# Problems seen in the browser that are known bugs, each with where to fix it. A journey
# passes despite them; remove an entry once its fix has landed.
KNOWN_PROBLEMS: list[tuple[re.Pattern, str]] = []


@dataclass
class BrowserProblems:
    """Console errors, uncaught page errors and CSP violations seen during one test."""

    entries: list[str] = field(default_factory=list)
    quiet: bool = False
    #: Every HTML document the site served to the test's pages: (path, the HTML).
    documents: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, text: str, where: str = "") -> None:
        if self.quiet:
            return
        entry = f"{kind}{f' on {where}' if where else ''}: {text}"
        if not any(pattern.search(entry) for pattern, _reason in KNOWN_PROBLEMS):
            self.entries.append(entry)


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


def _keep_document(response, problems: BrowserProblems) -> None:
    """Keep each HTML page and fragment the site serves, as served, for the Nu checker."""
    request = response.request
    if request.resource_type not in {"document", "fetch", "xhr"} or response.status >= 300:
        return
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    path = re.sub(r"^https?://[^/]+", "", response.url)
    try:
        problems.documents.setdefault(f"{request.method} {path}", response.text())
    except Exception:  # a page closed before its body arrived; nothing to check
        return


def _watch(context: BrowserContext, problems: BrowserProblems) -> None:
    def on_console(message) -> None:
        if message.type == "error":
            where = message.page.url if message.page else ""
            source = message.location.get("url", "")
            if source and source != where:
                where = f"{where} ({source})"
            problems.add("console error", message.text, where)

    def on_csp(source, violation: dict) -> None:
        problems.add(
            "CSP violation",
            f"{violation.get('directive')} blocked {violation.get('blocked') or 'inline'} "
            f"({violation.get('source')}:{violation.get('line')}) {violation.get('sample') or ''}",
            violation.get("page", ""),
        )

    # The accessibility checker, not the site, causes what happens while it runs (axe-core
    # adds <style> elements to some pages, which the policy rightly blocks).
    context.e2e_problems = problems
    context.e2e_steps = []  # (label, PNG) of each step a journey photographs (see snapshot)
    context.on("console", on_console)
    context.on("weberror", lambda error: problems.add("page error", str(error.error)))
    context.on("response", lambda response: _keep_document(response, problems))
    context.expose_binding("__e2eCspViolation", on_csp)
    context.add_init_script(CSP_LISTENER)


@pytest.fixture(scope="session")
def nu_checker() -> Iterator[NuChecker]:
    checker = NuChecker()
    yield checker
    checker.close()


#: What the Nu Html Checker read in this run, for the summary at the end.
NU_FIGURES = {"documents": 0, "pages": set(), "errors": 0}


def nu_errors(checker: NuChecker, documents: dict[str, str]) -> list[str]:
    """Each Nu error of each document, with where it was found. Fragments (htmx swaps)
    are checked as the body of a minimal page."""
    found = []
    for where, html in documents.items():
        if not html.lstrip().lower().startswith("<!doctype"):
            html = f"<!DOCTYPE html><html lang=en><title>fragment</title><body>{html}</body></html>"
        found += [f"{where} {error}" for error in checker.errors(html)]
        NU_FIGURES["pages"].add(re.sub(r"\d+", "<n>", where.split("?")[0]))
    NU_FIGURES["documents"] += len(documents)
    NU_FIGURES["errors"] += len(found)
    return found


def pytest_terminal_summary(terminalreporter) -> None:
    if NU_FIGURES["documents"]:
        terminalreporter.write_sep("=", "standards figures")
        terminalreporter.write_line(
            f"Nu Html Checker (vnu-jar): {NU_FIGURES['documents']} documents the journeys "
            f"received, {len(NU_FIGURES['pages'])} distinct pages, {NU_FIGURES['errors']} errors"
        )


@pytest.fixture
def new_context(
    browser: Browser,
    live_server,
    browser_problems: BrowserProblems,
    nu_checker: NuChecker,
    request,
) -> Iterator[Callable[..., BrowserContext]]:
    """new_context(label, **options): a fresh browser profile, closed after the test."""
    contexts: list[tuple[str, BrowserContext]] = []
    shutil.rmtree(_artifact_folder(request), ignore_errors=True)  # from an earlier run

    def make(label: str = "visitor", **options) -> BrowserContext:
        options = {"viewport": DESKTOP, "base_url": live_server.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
        _watch(context, browser_problems)
        contexts.append((label, context))
        return context

    yield make

    if _failed(request):
        _save_artifacts(request, contexts)
    for _label, context in contexts:
        context.close()
    if browser_problems.entries and not _failed(request):
        _save_artifacts(request, contexts)
        pytest.fail("The browser reported problems:\n" + "\n".join(browser_problems.entries))
    invalid = nu_errors(nu_checker, browser_problems.documents)
    if invalid and not _failed(request):
        pytest.fail("The Nu Html Checker found errors:\n" + "\n".join(invalid))


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def _artifact_folder(request) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")


def _save_artifacts(request, contexts: list[tuple[str, BrowserContext]]) -> None:
    """A screenshot and the HTML of every page still open, for diagnosis."""
    folder = _artifact_folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    for label, context in contexts:
        for number, (step, png) in enumerate(getattr(context, "e2e_steps", []), start=1):
            (folder / f"{label}-step-{number:02d}-{step}.png").write_bytes(png)
        for number, open_page in enumerate(context.pages, start=1):
            stem = folder / f"{label}-{number}"
            try:
                open_page.screenshot(path=f"{stem}.png", full_page=True, timeout=5_000)
                stem.with_suffix(".html").write_text(open_page.content())
                stem.with_suffix(".url").write_text(open_page.url + "\n")
            except Exception as error:  # a crashed page must not hide the test's own failure
                stem.with_suffix(".error").write_text(f"{type(error).__name__}: {error}\n")


# --- The mailbox ------------------------------------------------------------------------------


class Mailbox:
    """The emails the live server sent, read as a person reads their inbox."""

    def wait_for(self, to: str, subject: str, timeout: float = 10.0):
        """The newest email to `to` whose subject contains `subject`, waiting a bounded time.

        Emails go out after their transaction commits, so one can land just after the
        page that caused it has loaded.
        """
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(mail.outbox):
                if to in message.to and subject.lower() in message.subject.lower():
                    return message
            if time.monotonic() > deadline:
                sent = [(m.to, m.subject) for m in mail.outbox]
                raise AssertionError(f"No email to {to} about {subject!r}; sent: {sent}")
            time.sleep(0.1)

    def link_in(self, message, pattern: str = r"https?://\S+") -> str:
        """The first link in the email's text matching `pattern`."""
        found = re.search(pattern, message.body)
        assert found, f"No link matching {pattern!r} in:\n{message.body}"
        return found.group(0).rstrip(".,)>")


@pytest.fixture
def mailbox(mailoutbox) -> Mailbox:
    return Mailbox()
