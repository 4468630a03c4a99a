"""Hostile input, generated with Hypothesis, against every public form and the search filters.

Each example starts from a valid submission and replaces some fields with random text,
very long values, control characters, HTML and script, SQL-like strings or the wrong type.
Whatever comes in: never a 500; a refusal names the problem at the field; and what is
stored is shown escaped on every page that displays it, never as live HTML.

Query parameters: every changelist of both admin sites (from the admin registry: each
filter's parameters, search, ordering, page, date hierarchy) and every page outside them
that a visitor, a student or staff opens (from the URL configuration: each filterset's or
filter form's fields), with values that broke a page once and with whatever Hypothesis
draws. Never a 500; the run reports how many requests it made for each site.

Uploads: files that are not what their name says, polyglots, empty and oversized files,
PDFs with scripts (spelled plainly, with escaped names, or in compressed object streams),
damaged PDFs and path-like names are refused, or stored only under a random name.
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.forms.forms import NON_FIELD_ERRORS
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import StudentProfileForm
from accounts.models import Organization
from accounts.sites import employer_site
from applications.models import Application
from listings.admin_forms import EmployerListingForm
from listings.models import Listing, ListingReport
from microintern.middleware import UNREADABLE
from searches.models import SavedSearch
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    IndustryFactory,
    ListingFactory,
    SkillFactory,
    StaffFactory,
    pdf_upload,
)
from tests.security.conftest import TRIED
from tests.security.matrix import GET, ROLES, routed_rows, site_of
from tests.test_templates import Page

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- What hostile input looks like ---------------------------------------------------------------

MARKER = "mi-xss"
#: Payloads that would run if a page printed them as HTML: none may ever appear raw.
MARKUP = [
    f"<script>alert('{MARKER}')</script>",
    f'"><img src=x onerror=alert("{MARKER}")>',
    f"'><svg onload=alert('{MARKER}')>",
    f'" onmouseover="alert(\'{MARKER}\')" x="',
    f"</textarea><script>alert('{MARKER}')</script>",
    f"</script><script>alert('{MARKER}')</script>",
    f"<a href=\"javascript:alert('{MARKER}')\">{MARKER}</a>",
    f"<iframe src=\"data:text/html,<script>alert('{MARKER}')</script>\"></iframe>",
]
OTHER = [
    f"[click me](javascript:alert('{MARKER}'))",
    f"![x](x\" onerror=\"alert('{MARKER}'))",
    f"javascript:alert('{MARKER}')",
    "' OR '1'='1' --",
    "'; DROP TABLE accounts_user; --",
    "1) UNION SELECT password FROM accounts_user --",
    "1; SELECT pg_sleep(10)",
    "%' AND 1=1 AND '%'='",
    "{{ settings.SECRET_KEY }}{% debug %}",
    "${7*7}#{7*7}",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: injected=1",
    "\u202egnp.exe",
    "\ufeff\u200b\u200d",
    "😀" * 50,
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "2024-02-30",
    "9999-12-31",
    "0001-01-01",
    " ",
    "",
]
HOSTILE = MARKUP + OTHER


def hostile(max_size: int = 200) -> st.SearchStrategy:
    """One hostile value: a known payload, any text, control characters, or a very long one."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=max_size),
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=20),
        st.integers(min_value=1_000, max_value=12_000).map(lambda n: "x" * n),
        st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map(" ".join),
        st.integers().map(str),
        st.floats().map(str),
    )


def hostile_or_list() -> st.SearchStrategy:
    """A hostile value, or several where one is expected (a field sent twice)."""
    return st.one_of(hostile(), st.lists(hostile(50), min_size=2, max_size=3))


#: Hostile text that a text field may well accept and store (no NUL, not too long).
STORABLE = [*MARKUP, *OTHER[:12], "\u202egnp.exe", "😀" * 20, "Zoë O'Brien-Łukasz"]


def overrides(fields: list[str], text_fields: list[str] = ()) -> st.SearchStrategy:
    """Some fields replaced by hostile values, or text fields by text they may store.

    The second kind gets through validation, so that what is stored is then looked at
    on every page that shows it.
    """
    anything = st.dictionaries(st.sampled_from(fields), hostile_or_list(), min_size=1, max_size=4)
    if not text_fields:
        return anything
    stored = st.dictionaries(
        st.sampled_from(list(text_fields)), st.sampled_from(STORABLE), min_size=1, max_size=4
    )
    return st.one_of(anything, stored)


# --- What every answer must be ------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_safe_page(response) -> None:
    """No server error, and nothing typed by a visitor is live HTML on the page."""
    assert response.status_code < 500, response.status_code
    if "html" not in response.get("Content-Type", ""):
        return
    page = body(response)
    for payload in MARKUP:
        assert payload not in page, f"rendered raw: {payload!r}"
    assert django_settings.SECRET_KEY not in page
    # As a browser reads it: no element has an event handler or a javascript: address.
    for element in Page(page).elements:
        for name, value in element.attrs.items():
            assert not name.startswith("on"), f"<{element.tag} {name}={value!r}>"
            if name in URL_ATTRIBUTES:
                address = "".join(value.split()).lower()
                assert not address.startswith(("javascript:", "vbscript:")), (element.tag, value)


def unreadable(value) -> bool:
    """Whether a value (or any value in it) holds a character no text column can store."""
    if isinstance(value, str):
        return bool(UNREADABLE.search(value))
    if isinstance(value, dict):
        return any(unreadable(key) or unreadable(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(unreadable(item) for item in value)
    return False


def refused_as_unreadable(response, data=None) -> bool:
    """The request carried a NUL (or a lone surrogate) and was refused whole with a plain 400."""
    if response.status_code != 400:
        return False
    if data is not None:
        assert unreadable(data), "refused with 400 though every value could be stored"
    assert "This request can't be read" in body(response)
    return True


def plain(message) -> str:
    """An error message as the page reads: its text (markup only where it is marked safe)."""
    text = html.unescape(strip_tags(message)) if isinstance(message, SafeData) else str(message)
    return " ".join(text.split())


def assert_errors_at_fields(response, form) -> None:
    """A form shown again says what is wrong, at each field that is wrong."""
    assert form.errors, "the form came back without saying what is wrong"
    page = Page(body(response))
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        field = form.fields.get(name)
        if field is None or field.widget.is_hidden:
            continue
        shown = page.by_id(f"id_{name}_error").clean_text
        for error in errors:
            assert plain(error) in shown, (name, error, shown)


def send(client, method: str, url: str, data: dict | None = None, **extra):
    """One hostile submission, counted."""
    TRIED["requests"] += 1
    TRIED["values"] += len(data or {})
    if method == "GET":
        return client.get(url, data or {}, **extra)
    return client.post(url, data or {}, **extra)


def look(client, *urls: str) -> None:
    """Open the pages that show what was stored: each answers and shows it escaped."""
    for url in urls:
        assert_safe_page(client.get(url))


def address() -> dict:
    """A fresh network address, so that sign-up's per-address limit never interferes."""
    n = TRIED["requests"]
    return {"REMOTE_ADDR": f"203.0.{n // 250 % 250}.{n % 250 + 1}"}


# --- Sign-up --------------------------------------------------------------------------------------

GOOD_PASSWORD = "violet-lantern-orbit-42"


def signup_data(fields: dict) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@uni.example",
        "school": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(fields)
    return data


@FUZZ
@given(
    changes=overrides(
        ["first_name", "last_name", "email", "school", "password1", "password2"],
        ["first_name", "last_name", "school"],
    ),
    email=st.emails(),
)
def test_student_sign_up(client, db, changes, email):
    data = signup_data({"email": email, **changes})

    response = send(client, "POST", reverse("account_signup"), data, **address())

    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["form"])
    else:
        assert response.status_code == 302


@FUZZ
@given(
    changes=overrides(
        ["first_name", "last_name", "email", "organization_name", "website", "password1"],
        ["first_name", "last_name", "organization_name"],
    ),
    email=st.emails(),
)
def test_employer_sign_up(client, db, changes, email):
    data = signup_data(
        {"email": email, "organization_name": "Hostile Test Org", "website": "", **changes}
    )
    data.setdefault("password2", data["password1"])

    response = send(client, "POST", reverse("accounts:employer_signup"), data, **address())

    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["form"])
        return
    assert response.status_code == 302
    # Staff read what was typed in their lists and on the organization's page.
    organization = Organization.objects.order_by("-pk").first()
    staff = StaffFactory()
    client.force_login(staff)
    look(
        client,
        reverse("admin:accounts_organization_changelist"),
        reverse("admin:accounts_organization_change", args=[organization.pk]),
        reverse("admin:accounts_user_changelist"),
    )
    client.logout()


# --- Profile ----------------------------------------------------------------------------------------

# Every field of the profile form, so that a field added to it is tried too.
PROFILE_FIELDS = list(StudentProfileForm.base_fields)
LINKS = st.sampled_from(
    [
        f"javascript:alert('{MARKER}')",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "https://github.com.evil.example/ada",
        f"https://github.com/<script>{MARKER}",
        f"https://github.com/ada\" onmouseover=\"alert('{MARKER}')",
        "https://www.linkedin.com/in/ada?x=<b>",
        "//evil.example",
        "https://example.org/" + "a" * 3000,
    ]
)


@pytest.fixture
def reviewed_student(student, employer, organization):
    """The student has applied to employer's organization, so employer sees the profile."""
    listing = ListingFactory(published=True, organization=organization)
    return ApplicationFactory(listing=listing, student=student)


@FUZZ
@given(
    changes=overrides(PROFILE_FIELDS, ["first_name", "last_name", "school", "program", "bio"]),
    links=st.dictionaries(
        st.sampled_from(["portfolio_url", "github_url", "linkedin_url"]), LINKS, max_size=2
    ),
)
def test_profile(client, student, employer, reviewed_student, changes, links):
    skill = SkillFactory(name="Data analysis")
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "school": "State University",
        "skills": [str(skill.pk)],
        "handle": "ada-hostile",
        "portfolio_public": "on",
        **links,
        **changes,
    }
    client.force_login(student)

    response = send(client, "POST", reverse("accounts:profile"), data)

    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["form"])
        return
    assert response.status_code == 302
    student.student_profile.refresh_from_db()
    urls = [reverse("accounts:profile")]
    if student.student_profile.portfolio_public:
        urls.append(reverse("portfolio", kwargs={"handle": student.student_profile.handle}))
    look(client, *urls)
    client.force_login(employer)
    look(client, reverse("employer:applications_application_change", args=[reviewed_student.pk]))


# --- Apply ------------------------------------------------------------------------------------------


@FUZZ
@given(changes=overrides(["pitch", "availability_confirmed", "resume"], ["pitch"]))
def test_apply(settings, client, student, employer, organization, changes):
    settings.APPLY_RATE_LIMIT = settings.APPLY_ADDRESS_RATE_LIMIT = "10000/h"
    listing = ListingFactory(published=True, organization=organization)
    data = {"pitch": "A short plan.", "availability_confirmed": "on", "resume": pdf_upload()}
    data.update(changes)
    client.force_login(student)

    response = send(
        client, "POST", reverse("applications:apply", kwargs={"slug": listing.slug}), data
    )

    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["form"])
        return
    assert response.status_code == 302
    application = Application.objects.get(listing=listing, student=student)
    look(client, application.get_absolute_url())
    client.force_login(employer)
    look(client, reverse("employer:applications_application_change", args=[application.pk]))


# --- Listings in /employer/ ---------------------------------------------------------------------------

# Every field of the employer's listing form but the organization (the employer's own).
LISTING_FIELDS = [name for name in EmployerListingForm.base_fields if name != "organization"]
LISTING_TEXT = [
    "title",
    "summary",
    "deliverables",
    "pay_justification",
    "city",
    "region",
    "eligibility",
]
INLINES = {
    "events-TOTAL_FORMS": "0",
    "events-INITIAL_FORMS": "0",
    "events-MIN_NUM_FORMS": "0",
    "events-MAX_NUM_FORMS": "1000",
}
MARKDOWN = st.sampled_from(
    [
        f"Hello <script>alert('{MARKER}')</script> **world**",
        f"[click](javascript:alert('{MARKER}'))",
        f"[click](JaVaScRiPt:alert('{MARKER}'))",
        f"<a href=\"javascript:alert('{MARKER}')\">x</a>",
        f"![x](javascript:alert('{MARKER}'))",
        f"<img src=x onerror=\"alert('{MARKER}')\">",
        f"<details open ontoggle=alert('{MARKER}')>",
        f'<style>body{{display:none}}</style><p style="x">{MARKER}</p>',
        f"```\n</code></pre><script>alert('{MARKER}')</script>\n```",
    ]
)


def listing_data(fields: dict) -> dict:
    today = timezone.localdate()
    data = {
        "title": "Clean our donor data",
        "summary": "Tidy a spreadsheet.",
        "description": "We have rows.",
        "deliverables": "A cleaned CSV",
        "industry": IndustryFactory(name="Non-profit").pk,
        "estimated_hours": "10",
        "fee": "400.00",
        "currency": "USD",
        "location_type": "remote",
        "country": "US",
        "openings": "1",
        "application_deadline": (today + timedelta(days=14)).isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
        "contact_email": "jobs@northwind.test",
        **INLINES,
    }
    data.update(fields)
    return data


def check_listing_form(client, response, employer_listing_pages, data) -> None:
    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["adminform"].form)
        return
    assert response.status_code == 302
    listing = Listing.objects.order_by("-updated_at", "-pk").first()
    look(client, *employer_listing_pages(listing))


def employer_listing_pages(listing) -> list[str]:
    return [
        listing.get_absolute_url(),
        reverse("employer:listings_listing_change", args=[listing.pk]),
        reverse("employer:listings_listing_changelist"),
    ]


@FUZZ
@given(
    changes=overrides(LISTING_FIELDS, LISTING_TEXT),
    description=MARKDOWN,
    submit=st.booleans(),
    dates=st.tuples(st.dates(), st.dates()).map(lambda d: tuple(x.isoformat() for x in d)),
    use_dates=st.booleans(),
)
def test_listing_add(client, employer, changes, description, submit, dates, use_dates):
    data = listing_data({"description": description, **changes})
    if use_dates:
        data["application_deadline"], data["due_date"] = dates
    if submit:
        data["_submit"] = "Submit for review"
    client.force_login(employer)

    response = send(client, "POST", reverse("employer:listings_listing_add"), data)

    check_listing_form(client, response, employer_listing_pages, data)


@FUZZ
@given(changes=overrides(LISTING_FIELDS, LISTING_TEXT), description=MARKDOWN)
def test_listing_edit(client, employer, organization, changes, description):
    listing = ListingFactory(organization=organization)
    data = listing_data({"description": description, **changes})
    client.force_login(employer)
    url = reverse("employer:listings_listing_change", args=[listing.pk])

    response = send(client, "POST", url, data)

    check_listing_form(client, response, employer_listing_pages, data)


# --- Report -----------------------------------------------------------------------------------------


@FUZZ
@given(changes=overrides(["reason", "details"], ["details"]))
def test_report(settings, client, student, changes):
    settings.REPORT_RATE_LIMIT = settings.REPORT_ADDRESS_RATE_LIMIT = "10000/h"
    listing = ListingFactory(published=True)
    data = {"reason": "scam", "details": "Wants a deposit.", **changes}
    client.force_login(student)

    response = send(client, "POST", reverse("listings:report", kwargs={"slug": listing.slug}), data)

    assert_safe_page(response)
    if refused_as_unreadable(response, data):
        return
    if response.status_code == 200:
        assert_errors_at_fields(response, response.context["form"])
        return
    assert response.status_code == 302
    report = ListingReport.objects.get(listing=listing)
    client.force_login(StaffFactory())
    look(
        client,
        reverse("admin:listings_listingreport_change", args=[report.pk]),
        reverse("admin:listings_listingreport_changelist") + "?status=all",
    )


# --- Saved searches and the search filters -----------------------------------------------------------

FILTERS = ["q", "industry", "skills", "location_type", "min_rate", "max_hours", "sort", "page"]


def filter_params() -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(FILTERS), hostile_or_list(), max_size=5)


@FUZZ
@given(params=filter_params(), raw=st.one_of(st.none(), hostile()), frequency=hostile())
def test_saved_search(client, student, params, raw, frequency):
    query = raw if raw is not None else urlencode(params, doseq=True)
    client.force_login(student)

    saved = send(
        client,
        "POST",
        reverse("searches:create"),
        {"query": query, "frequency": frequency if frequency in {"", " "} else "daily"},
    )
    changed = [
        send(client, "POST", reverse("searches:update", args=[search.pk]), {"frequency": frequency})
        for search in SavedSearch.objects.for_user(student)[:1]
    ]

    for response in [saved, *changed]:
        assert_safe_page(response)
        if not refused_as_unreadable(response, [query, frequency]):
            assert response.status_code == 302
    look(client, reverse("searches:list"), reverse("listings:list") + "?" + urlencode(params, True))


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=filter_params(), partial=st.booleans())
def test_search_filters(client, db, params, partial):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"} if partial else {}

    response = send(client, "GET", reverse("listings:list"), params, **headers)

    assert_safe_page(response)
    if not refused_as_unreadable(response, params):
        assert response.status_code == 200


def test_search_filters_with_listings_to_find(client, organization):
    """The same hostile searches, with listings in the database for them to match."""
    skill = SkillFactory(name="Spreadsheets")
    for title in MARKUP[:3]:
        ListingFactory(published=True, organization=organization, title=title, skills=[skill])

    for value in HOSTILE:
        for params in ({"q": value}, dict.fromkeys(FILTERS, value)):
            response = send(client, "GET", reverse("listings:list"), params)
            assert_safe_page(response)
            if not refused_as_unreadable(response, params):
                assert response.status_code == 200, (params, value)


# --- Every changelist of both admin sites, and every public and student page --------------------------
#
# Which pages and which parameters come from the admin registry and the URL configuration, never
# from a hand list: a model registered, a filter added or a page routed later is tried too.

#: Values that broke a filter or a date once, or could: digits that int() refuses ("²") or
#: reads (Arabic-Indic), numbers past a bigint, calendar limits, admin ordering oddities.
PARAMETER_VALUES = [
    "²",
    "١٢",
    "¹⁰",
    "99999999999999999999",
    "-99999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "9999",
    "13",
    "32",
    "-1.-2",
    "0.1.2.99",
    "-",
    "__",
    "pk",
    "None",
    "True",
    "%",
    "\\",
    "x" * 5000,
]


#: Tried on every parameter, each on its own: a digit int() refuses, a number past any
#: integer column, the calendar's last day.
BREAKERS = ["²", "99999999999999999999", "9999-12-31"]


def parameter_value() -> st.SearchStrategy:
    """One hostile value for a query parameter, or several (the parameter sent twice)."""
    single = st.one_of(st.sampled_from(PARAMETER_VALUES), hostile(60))
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


def hostile_parameters(names: list[str]) -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(names), parameter_value(), min_size=1, max_size=3)


#: Requests made per group of pages, and the server errors among them (reported at the end).
PROBED: Counter = Counter()
SITES = {"admin": admin.site, "employer": employer_site}


def changelist_parameters(site, user) -> dict[str, list[str]]:
    """Every changelist of an admin site the user may open, with every parameter it reads.

    The filters' own expected parameters (what a click on a filter sends), the search, the
    ordering, the page, "show all", facets and the date hierarchy's year, month and day.
    """
    found = {}
    for model, model_admin in site._registry.items():
        name = f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist"
        url = reverse(name)
        request = RequestFactory().get(url)
        request.user = user
        if not model_admin.has_view_or_change_permission(request):
            continue
        changelist = model_admin.get_changelist_instance(request)
        names = {"o", "p", "all", "_facets", "e"}
        for spec in changelist.filter_specs:
            names.update(spec.expected_parameters())
        if model_admin.get_search_fields(request):
            names.add("q")
        if changelist.date_hierarchy:
            names.update(
                f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")
            )
        found[url] = sorted(names)
    return found


def probe(client, group: str, url: str, params: dict) -> None:
    """One hostile GET, counted for its group: anything but a server error."""
    PROBED[group] += 1
    response = client.get(url, params)
    if response.status_code >= 500:
        PROBED[f"{group} errors"] += 1
    assert response.status_code < 500, (url, params, response.status_code)
    if response.status_code == 400:
        assert refused_as_unreadable(response, params)


@pytest.fixture
def superuser(db):
    """Sees every changelist of the staff site (career-center staff see all but two)."""
    return StaffFactory(email="root@test.example", is_superuser=True)


# A date filter given the calendar's last day compares with it as given (Django's own warning).
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
@pytest.mark.parametrize("site_name", list(SITES))
def test_every_admin_changelist_survives_hostile_parameters(
    request, client, world, superuser, site_name
):
    site = SITES[site_name]
    user = superuser if site_name == "admin" else request.getfixturevalue("employer")
    client.force_login(user)
    client.raise_request_exception = False
    pages = changelist_parameters(site, user)
    assert len(pages) == len(site._registry), "every registered model has a changelist"
    PROBED[f"{site_name} changelists"] = len(pages)

    # Each parameter of each changelist alone (a bad filter stops the others being read).
    for url, names in pages.items():
        for name in names:
            for value in BREAKERS:
                probe(client, site_name, url, {name: value})

    # Then Hypothesis: any hostile values, several parameters at once.
    @settings(FUZZ, max_examples=3 if site_name == "admin" else 8)
    @given(data=st.data())
    def combinations(data):
        for url, names in pages.items():
            probe(client, site_name, url, data.draw(hostile_parameters(names), label=url))

    combinations()


def valid_choices(field) -> list[str]:
    """The values a choice field accepts (none for other fields)."""
    return [str(value) for value, _label in getattr(field, "choices", []) if str(value)]


def public_pages(world) -> list[tuple[str, str, dict[str, list[str]]]]:
    """Every page outside the admin sites that a visitor, a student or staff can open with GET.

    Each with the parameters it reads (its filterset's or its filter form's fields) and their
    valid choices, plus the page number, a search, a return address and an ordering that
    any page might read.
    """
    pages = []
    for row in routed_rows():
        if row.method != GET or site_of(row.name):
            continue
        roles = [
            role
            for role in ("visitor", "student", "staff")
            if row.expected[ROLES.index(role)] == 200
        ]
        if not roles:
            continue
        url = row.url(world)
        view = getattr(resolve(url).func, "view_class", None)
        fields = {}
        if filterset := getattr(view, "filterset_class", None):
            fields.update(filterset().form.fields)
        if form := getattr(view, "filter_form_class", None):
            fields.update(form().fields)
        names = {name: [] for name in ("page", "q", "next", "sort")}
        names.update({name: valid_choices(field) for name, field in fields.items()})
        pages.append((roles[0], url, names))
    return pages


def page_parameters(names: dict[str, list[str]]) -> st.SearchStrategy:
    """Hostile values for some of a page's parameters; a choice is sometimes a valid one, so
    that what it opens (custom report dates, a sort) is reached with hostile values too."""
    value = {
        name: st.one_of(st.sampled_from(choices), parameter_value())
        if choices
        else parameter_value()
        for name, choices in names.items()
    }
    return st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=4, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: value[name] for name in chosen})
    )


def test_every_public_and_student_page_survives_hostile_parameters(request, world):
    clients = {}
    for role in ("visitor", "student", "staff"):
        clients[role] = Client(raise_request_exception=False)
        if role != "visitor":
            clients[role].force_login(request.getfixturevalue(role))
    pages = public_pages(world)
    PROBED["public pages"] = len(pages)

    # A form reads its fields together: every parameter of a page at once, each choice field
    # on each of its choices in turn and every other parameter on the same hostile value.
    for role, url, names in pages:
        rounds = max([len(choices) for choices in names.values()] + [1])
        for value in BREAKERS:
            for turn in range(rounds):
                params = {
                    name: choices[turn % len(choices)] if choices else value
                    for name, choices in names.items()
                }
                probe(clients[role], "public", url, params)

    @settings(FUZZ, max_examples=3)
    @given(data=st.data())
    def combinations(data):
        for role, url, names in pages:
            probe(clients[role], "public", url, data.draw(page_parameters(names), label=url))

    combinations()


# --- Uploads ----------------------------------------------------------------------------------------


def build_pdf(catalog: bytes = b"", *extra: bytes) -> bytes:
    """A one-page PDF with extra catalog entries and extra numbered objects (from 4 on)."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        *extra,
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + content + b"endobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return out


def pdf_with_object_stream(action: bytes) -> bytes:
    """A PDF 1.5 whose open action lives, compressed, in an object stream: no name shows raw."""
    header = b"4 0 "
    packed = zlib.compress(header + action)
    bodies = {
        1: b"<</Type/Catalog/Pages 2 0 R/Op#65nAction 4 0 R>>",
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        5: b"<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>stream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    }
    out, offsets = b"%PDF-1.5\n", {}
    for number, content in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        kind, where = (2, 5) if number == 4 else (1, offsets[number])
        rows.append(struct.pack(">BIH", kind, where, 0))
    table = b"".join(rows)
    out += b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return out


REFUSED_UPLOADS = {
    "html named .pdf": (b"<html><script>alert(1)</script></html>", "not a PDF"),
    "png named .pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a PDF"),
    "gif/pdf polyglot": (b"GIF89a\x01\x00\x01\x00" + MINIMAL_PDF, "not a PDF"),
    "pdf header, html body": (
        b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>",
        "could not be read",
    ),
    "empty": (b"", "empty"),
    "over the limit": (MINIMAL_PDF + b"%" + b"x" * (5 * 1024 * 1024), "at most 5 MB"),
    "pdf with javascript": (
        build_pdf(b"/OpenAction 4 0 R", b"<</S/JavaScript/JS(app.alert(1))>>"),
        "scripts",
    ),
    "javascript behind escaped names": (
        build_pdf(b"/Op#65nAction 4 0 R", b"<</S/J#61vaScript/J#53(app.alert(1))>>"),
        "scripts",
    ),
    "javascript in a compressed object stream": (
        pdf_with_object_stream(b"<</S/JavaScript/JS(app.alert(1))>>"),
        "scripts",
    ),
    "launch action": (
        build_pdf(b"/OpenAction 4 0 R", b"<</S/Launch/F(calc.exe)>>"),
        "scripts",
    ),
    "embedded file": (
        build_pdf(b"/Names<</EmbeddedFiles 4 0 R>>", b"<</Names[(a.exe) 5 0 R]>>"),
        "scripts",
    ),
    "damaged cross-reference table": (
        MINIMAL_PDF.replace(b"xref\n0 4", b"xref\x00\x00\x00\x00"),
        "could not be read",
    ),
    "truncated": (MINIMAL_PDF[:60], "could not be read"),
}
ACCEPTED_UPLOADS = {
    "path-like name": ("../../etc/passwd.pdf", MINIMAL_PDF),
    "absolute path name": ("/etc/cron.d/resume.pdf", MINIMAL_PDF),
    "name with script": (f"<script>alert('{MARKER}')</script>.pdf", MINIMAL_PDF),
    "name with NUL and newline": ("cv\x00.pdf\r\nX-Injected: 1.pdf", MINIMAL_PDF),
    # A valid PDF with HTML after its end: stored, but only ever served as an inert download.
    "pdf with html after %%EOF": (
        "resume.pdf",
        MINIMAL_PDF + b"<html><script>alert(1)</script></html>",
    ),
}
RANDOM_NAME = {
    "profile": re.compile(r"^resumes/[0-9a-f]{32}\.pdf$"),
    "apply": re.compile(r"^applications/[0-9a-f]{32}\.pdf$"),
}


def upload(client, where: str, listing, name: str, content: bytes):
    """Send a résumé through the profile or the apply form."""
    if where == "profile":
        data = {"first_name": "Ada", "last_name": "Lovelace", "resume": pdf_upload(name, content)}
        return send(client, "POST", reverse("accounts:profile"), data)
    data = {"pitch": "A plan.", "availability_confirmed": "on", "resume": pdf_upload(name, content)}
    return send(client, "POST", reverse("applications:apply", kwargs={"slug": listing.slug}), data)


def stored_resume(where: str, student, listing):
    if where == "profile":
        student.student_profile.refresh_from_db()
        return student.student_profile.resume
    application = Application.objects.filter(student=student, listing=listing).first()
    return application.resume if application else None


def media_names() -> set[str]:
    root = django_settings.MEDIA_ROOT
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize("where", ["profile", "apply"])
@pytest.mark.parametrize("case", list(REFUSED_UPLOADS))
def test_unsafe_resumes_are_refused_at_the_field(client, student, organization, where, case):
    content, reason = REFUSED_UPLOADS[case]
    listing = ListingFactory(published=True, organization=organization)
    client.force_login(student)

    response = upload(client, where, listing, "resume.pdf", content)

    assert response.status_code == 200
    assert_errors_at_fields(response, response.context["form"])
    assert reason in Page(body(response)).by_id("id_resume_error").clean_text
    assert not stored_resume(where, student, listing)
    assert not media_names()


@pytest.mark.parametrize("where", ["profile", "apply"])
@pytest.mark.parametrize("case", list(ACCEPTED_UPLOADS))
def test_accepted_resumes_get_a_random_name_and_leave_as_inert_downloads(
    client, student, organization, where, case
):
    name, content = ACCEPTED_UPLOADS[case]
    listing = ListingFactory(published=True, organization=organization)
    client.force_login(student)

    response = upload(client, where, listing, name, content)

    assert response.status_code == 302
    stored = stored_resume(where, student, listing)
    assert RANDOM_NAME[where].match(stored.name), stored.name
    assert media_names() == {stored.name}, "nothing was written anywhere else"
    if where == "profile":
        url = reverse("documents:profile_resume", kwargs={"pk": student.student_profile.pk})
    else:
        url = reverse("documents:application_resume", kwargs={"pk": stored.instance.pk})
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    # The download is named after the student, never after what was uploaded.
    assert "passwd" not in download["Content-Disposition"]
    assert MARKER not in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize("where", ["profile", "apply"])
def test_text_sent_in_place_of_the_file_is_refused(client, student, organization, where):
    listing = ListingFactory(published=True, organization=organization)
    client.force_login(student)
    if where == "profile":
        url, data = reverse("accounts:profile"), {"first_name": "A", "last_name": "B"}
    else:
        url = reverse("applications:apply", kwargs={"slug": listing.slug})
        data = {"pitch": "A plan.", "availability_confirmed": "on"}

    response = send(client, "POST", url, {**data, "resume": "/etc/passwd"})

    assert response.status_code < 500
    assert not stored_resume(where, student, listing)
    if where == "apply":
        assert_errors_at_fields(response, response.context["form"])


def test_a_second_resume_replaces_the_first_on_disk(
    client, student, django_capture_on_commit_callbacks
):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "profile", None, "first.pdf", MINIMAL_PDF)
    first = stored_resume("profile", student, None).name
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "profile", None, "second.pdf", MINIMAL_PDF + b"%second\n")

    second = stored_resume("profile", student, None).name
    assert first != second
    assert media_names() == {second}
