"""The site's base templates: layout, navigation per role, the accessible form pattern, CSP."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from microintern import views as site_views
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


# --- A small HTML reader (standard library only) ----------------------------------------


def attribute(keyword: str) -> str:
    """aria_label -> aria-label, class_ -> class."""
    return keyword.rstrip("_").replace("_", "-")


class Element:
    def __init__(self, tag: str, attrs: dict, ancestors: list[Element]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.ancestors = ancestors
        self.text = ""

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def clean_text(self) -> str:
        return " ".join(self.text.split())


class Page(HTMLParser):
    """Every element of a page with its attributes, its text and its ancestors."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, list(self._open))
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(
            Element(tag, {name: value or "" for name, value in attrs}, list(self._open))
        )

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def find_all(self, tag: str | None = None, within: Element | None = None, **attrs):
        found = []
        for element in self.elements:
            if tag and element.tag != tag:
                continue
            if within is not None and within not in element.ancestors:
                continue
            if any(element.get(attribute(name)) != value for name, value in attrs.items()):
                continue
            found.append(element)
        return found

    def find(self, tag: str | None = None, within: Element | None = None, **attrs) -> Element:
        found = self.find_all(tag, within=within, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        found = [element for element in self.elements if element.get("id") == element_id]
        assert len(found) == 1, f"expected one element with id={element_id!r}, got {len(found)}"
        return found[0]


def page(response) -> Page:
    return Page(response.content.decode())


def main_nav(html: Page) -> Element:
    return html.find("nav", aria_label="Main")


def nav_links(html: Page) -> dict[str, str]:
    """Link text -> href in the main navigation."""
    return {a.clean_text: a.get("href") for a in html.find_all("a", within=main_nav(html))}


def nav_text(html: Page) -> str:
    return main_nav(html).clean_text


# --- Layout ------------------------------------------------------------------------------


def test_base_page_has_language_skip_link_and_one_main_landmark(client):
    html = page(client.get("/"))

    assert html.find("html").get("lang") == "en"
    first_link = html.find("a")
    assert first_link.get("href") == "#main"
    assert "skip-link" in first_link.get("class")
    assert "Skip to main content" in first_link.clean_text
    mains = html.find_all("main")
    assert len(mains) == 1
    assert mains[0].get("id") == "main"
    assert html.find_all("header") and html.find_all("footer")


def test_base_page_links_the_stylesheet_from_static(client):
    html = page(client.get("/"))

    stylesheets = [link.get("href") for link in html.find_all("link", rel="stylesheet")]
    assert stylesheets == [settings.STATIC_URL + "css/site.css"]


# --- Navigation per role ---------------------------------------------------------------------


def test_visitor_navigation(client):
    html = page(client.get("/"))
    links = nav_links(html)

    assert links["Browse projects"] == reverse("listings:list")
    assert links["Sign in"] == reverse("account_login")
    assert links["Sign up"] == reverse("account_signup")
    assert "Sign out" not in nav_text(html)
    assert "My profile" not in links
    assert "Employer site" not in links
    assert "Career center" not in links


def test_student_navigation(login, student):
    html = page(login(student).get("/"))
    links = nav_links(html)

    assert links["Browse projects"] == reverse("listings:list")
    assert links["My profile"] == reverse("accounts:profile")
    assert "Employer site" not in links
    assert "Career center" not in links
    assert "Sign in" not in links
    assert "Sign up" not in links


def test_employer_navigation(login, employer):
    html = page(login(employer).get("/"))
    links = nav_links(html)

    assert links["Employer site"] == reverse("employer:index")
    assert "My profile" not in links
    assert "Career center" not in links
    assert "Sign in" not in links


def test_staff_navigation(login, staff):
    html = page(login(staff).get("/"))
    links = nav_links(html)

    assert links["Career center"] == reverse("admin:index")
    assert "My profile" not in links
    assert "Employer site" not in links
    assert "Sign in" not in links


@pytest.mark.parametrize("role", ["student", "employer", "staff"])
def test_sign_out_is_a_post_form_button(request, login, role):
    user = request.getfixturevalue(role)
    html = page(login(user).get("/"))
    nav = main_nav(html)

    form = html.find("form", within=nav, action=reverse("account_logout"))
    assert form.get("method").lower() == "post"
    assert html.find_all("input", within=form, name="csrfmiddlewaretoken")
    button = html.find("button", within=form)
    assert button.get("type") == "submit"
    assert "link-button" in button.get("class")
    assert button.clean_text == "Sign out"
    assert reverse("account_logout") not in nav_links(html).values()


def test_signing_out_from_the_header_form_works(login, student):
    client = login(student)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- The form pattern on the signup page ------------------------------------------------------


def invalid_signup(client):
    return client.post(
        SIGNUP_URL,
        {
            "first_name": 'Ada "Countess"',
            "last_name": "Lovelace",
            "email": "not-an-email",
            "school": "State University",
            "password1": "violet-lantern-orbit-42",
            "password2": "violet-lantern-orbit-43",
        },
    )


def test_invalid_signup_shows_an_error_summary_linking_to_each_field(client):
    response = invalid_signup(client)
    html = page(response)

    assert response.status_code == 200
    summary = html.find("div", class_="error-summary")
    assert summary.get("role") == "alert"
    assert summary.get("tabindex") == "-1"
    # Focus moves to the summary on load, without any script.
    assert "autofocus" in summary.attrs
    assert html.find("h2", within=summary).clean_text == "There is a problem"
    targets = {a.get("href") for a in html.find_all("a", within=summary)}
    assert targets == {"#id_email", "#id_password2"}
    for target in targets:
        # Each link lands on a real input.
        assert html.by_id(target[1:]).tag == "input"
    # The summary comes first in the form, before any field.
    form = html.find("form", action=SIGNUP_URL)
    in_form = html.find_all(within=form)
    assert in_form.index(summary) < in_form.index(html.by_id("id_first_name"))


@pytest.mark.parametrize(
    ("field_id", "message"),
    [("id_email", "valid email"), ("id_password2", "same password")],
)
def test_invalid_inputs_are_marked_and_described_by_their_error(client, field_id, message):
    html = page(invalid_signup(client))

    field = html.by_id(field_id)
    assert field.get("aria-invalid") == "true"
    described_by = field.get("aria-describedby", "").split()
    assert described_by, "an invalid input must point at its error text"
    descriptions = " ".join(html.by_id(element_id).clean_text for element_id in described_by)
    assert message in descriptions
    error = html.by_id(f"{field_id}_error")
    assert message in error.clean_text
    assert f"{field_id}_error" in described_by


def test_invalid_signup_attributes_are_not_duplicated(client):
    content = invalid_signup(client).content.decode()

    for tag in re.findall(r"<input\b[^>]*>", content):
        assert tag.count("aria-describedby=") <= 1, tag
        assert tag.count("aria-invalid=") <= 1, tag


def test_invalid_signup_keeps_what_was_typed(client):
    html = page(invalid_signup(client))

    assert html.by_id("id_first_name").get("value") == 'Ada "Countess"'
    assert html.by_id("id_last_name").get("value") == "Lovelace"
    assert html.by_id("id_email").get("value") == "not-an-email"
    assert html.by_id("id_school").get("value") == "State University"


def test_valid_fields_are_not_marked_invalid(client):
    html = page(invalid_signup(client))

    first_name = html.by_id("id_first_name")
    assert "aria-invalid" not in first_name.attrs
    assert not html.find_all(id="id_first_name_error")


def test_every_field_has_a_label_and_required_fields_are_marked(client):
    html = page(client.get(SIGNUP_URL))
    form = html.find("form", action=SIGNUP_URL)

    inputs = [
        element
        for element in html.find_all("input", within=form)
        if element.get("type") not in {"hidden", "submit"}
    ]
    assert inputs
    for element in inputs:
        label = html.find("label", for_=element.get("id"))
        if element.get("name") == "school":
            assert "(required)" not in label.clean_text
        else:
            assert "(required)" in label.clean_text


def test_help_text_has_an_id_the_input_points_at(client):
    html = page(client.get(SIGNUP_URL))

    school = html.by_id("id_school")
    assert school.get("aria-describedby") == "id_school_helptext"
    assert "Optional" in html.by_id("id_school_helptext").clean_text
    # Password rules are HTML (a list), rendered as such and not escaped.
    rules = html.by_id("id_password1_helptext")
    assert html.find_all("li", within=rules)


def test_no_error_summary_before_the_form_is_sent(client):
    html = page(client.get(SIGNUP_URL))

    assert not html.find_all(class_="error-summary")
    assert all("aria-invalid" not in element.attrs for element in html.elements)


def test_non_field_errors_are_shown_in_the_summary(client, student):
    response = client.post(
        reverse("account_login"), {"login": student.email, "password": "not-the-password"}
    )
    html = page(response)

    summary = html.find("div", class_="error-summary")
    assert summary.get("role") == "alert"
    assert "not correct" in summary.clean_text


# --- Auth pages --------------------------------------------------------------------------------


def test_student_signup_links_to_employer_signup(client):
    html = page(client.get(SIGNUP_URL))

    hrefs = [a.get("href") for a in html.find_all("a", within=html.find("main"))]
    assert reverse("accounts:employer_signup") in hrefs


def test_employer_signup_page_uses_the_form_pattern(client):
    response = client.post(reverse("accounts:employer_signup"), {"first_name": "Grace"})
    html = page(response)

    assert response.status_code == 200
    summary = html.find("div", class_="error-summary")
    assert "#id_organization_name" in {a.get("href") for a in html.find_all("a", within=summary)}
    assert html.by_id("id_first_name").get("value") == "Grace"
    hrefs = [a.get("href") for a in html.find_all("a", within=html.find("main"))]
    assert reverse("account_signup") in hrefs


def test_login_page_links_to_signup_and_password_reset(client):
    html = page(client.get(reverse("account_login")))

    hrefs = [a.get("href") for a in html.find_all("a", within=html.find("main"))]
    assert reverse("account_signup") in hrefs
    assert reverse("account_reset_password") in hrefs
    assert reverse("accounts:employer_signup") in hrefs


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_auth_pages_render_in_the_site_layout(client, url_name):
    response = client.get(reverse(url_name))
    html = page(response)

    assert response.status_code == 200
    assertTemplateUsed(response, "base.html")
    assert len(html.find_all("h1")) == 1
    assert html.find("a").get("href") == "#main"


def test_bad_password_reset_link_explains_what_to_do(client):
    response = client.get("/accounts/password/reset/key/1-bad-token/")
    html = page(response)

    assert "no longer works" in html.find("h1").clean_text
    hrefs = [a.get("href") for a in html.find_all("a", within=html.find("main"))]
    assert reverse("account_reset_password") in hrefs


def test_logout_page_asks_with_a_post_form(login, student):
    html = page(login(student).get(reverse("account_logout")))

    main = html.find("main")
    form = html.find("form", within=main, action=reverse("account_logout"))
    assert form.get("method") == "post"
    assert html.find("button", within=form).get("type") == "submit"


# --- Student profile --------------------------------------------------------------------------


def test_profile_form_errors_use_the_pattern_and_keep_values(login, student):
    response = login(student).post(
        reverse("accounts:profile"),
        {"first_name": "", "last_name": "Lovelace", "school": "MIT", "graduation_year": "1800"},
    )
    html = page(response)

    assert response.status_code == 200
    summary = html.find("div", class_="error-summary")
    targets = {a.get("href") for a in html.find_all("a", within=summary)}
    assert targets == {"#id_first_name", "#id_graduation_year"}
    assert html.by_id("id_graduation_year").get("aria-invalid") == "true"
    assert "between 1950 and 2100" in html.by_id("id_graduation_year_error").clean_text
    assert html.by_id("id_school").get("value") == "MIT"


def test_saving_the_profile_shows_a_success_message(login, student):
    response = login(student).post(
        reverse("accounts:profile"),
        {"first_name": "Ada", "last_name": "Lovelace", "school": "MIT", "graduation_year": "2027"},
        follow=True,
    )
    html = page(response)

    messages = html.find("div", class_="messages")
    assert messages.get("role") == "status"
    message = html.find("p", within=messages)
    assert "message-success" in message.get("class")
    assert "Your profile is saved." in message.clean_text


# --- Home page -------------------------------------------------------------------------------


def test_home_explains_the_product_and_has_a_call_to_action_per_role(client):
    html = page(client.get("/"))
    main = html.find("main")

    assert "5 to 40 hours" in main.clean_text
    assert "Featured projects" in main.clean_text
    hrefs = [a.get("href") for a in html.find_all("a", within=main)]
    assert reverse("account_signup") in hrefs
    assert reverse("accounts:employer_signup") in hrefs


def test_home_shows_an_empty_state_without_featured_listings(client):
    html = page(client.get("/"))

    assert html.find("div", class_="empty-state")


def test_home_renders_featured_listings_when_given():
    listing = ListingFactory(published=True, title="Design a volunteer sign-up flow")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    html = Page(loader.render_to_string("home.html", {"featured_listings": [listing]}, request))

    featured = html.find("section", aria_labelledby="featured-title")
    links = {a.clean_text: a.get("href") for a in html.find_all("a", within=featured)}
    assert links["Design a volunteer sign-up flow"] == listing.get_absolute_url()
    assert listing.organization.name in featured.clean_text
    assert not html.find_all("div", class_="empty-state")


def test_home_features_open_listings(client):
    listing = ListingFactory(published=True, title="Map the campus bike racks")

    html = page(client.get("/"))

    featured = html.find("section", aria_labelledby="featured-title")
    assert "Map the campus bike racks" in featured.clean_text
    assert listing.get_absolute_url() in [
        a.get("href") for a in html.find_all("a", within=featured)
    ]


# --- Content-Security-Policy: no inline styles or scripts --------------------------------------


def assert_no_inline_style_or_script(content: str) -> None:
    html = Page(content)
    for element in html.elements:
        assert "style" not in element.attrs, f"style attribute on <{element.tag}>"
        handlers = [name for name in element.attrs if name.startswith("on")]
        assert not handlers, f"inline event handler on <{element.tag}>: {handlers}"
    assert not html.find_all("style"), "inline <style> element"
    for script in html.find_all("script"):
        if script.get("type") == "application/ld+json":
            continue  # a data block: never executed
        assert script.get("src"), "inline <script>"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        SIGNUP_URL,
        "/accounts/signup/employer/",
        "/accounts/password/reset/",
    ],
)
def test_pages_have_no_inline_styles_or_scripts(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_no_inline_style_or_script(response.content.decode())


def test_pages_for_signed_in_roles_have_no_inline_styles_or_scripts(login, student):
    client = login(student)
    for url in ["/", reverse("accounts:profile")]:
        assert_no_inline_style_or_script(client.get(url).content.decode())


def test_form_errors_have_no_inline_styles_or_scripts(client):
    assert_no_inline_style_or_script(invalid_signup(client).content.decode())


def test_no_template_carries_inline_styles_or_scripts():
    """Every site template (emails aside) stays within the self-only CSP."""
    templates = Path(settings.BASE_DIR, "templates")
    offenders = []
    for path in templates.rglob("*.html"):
        if "email" in path.relative_to(templates).parts:
            continue
        text = path.read_text()
        if re.search(r"\sstyle\s*=", text) or re.search(r"<style\b", text):
            offenders.append(f"{path}: style")
        for script in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in script and "application/ld+json" not in script:
                offenders.append(f"{path}: inline script")
    assert not offenders


# HTML's valid date and global date-and-time strings: at most three digits of fractions.
HTML_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?$"
)


def test_templates_use_only_valid_html_attributes_for_htmx_and_times():
    """htmx reads data-hx-*, which is valid HTML; hx-* is not. ISO 'c' has microseconds."""
    templates = Path(settings.BASE_DIR, "templates")
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text()
        offenders += [f"{path}: {m}" for m in re.findall(r"(?<![\w-])hx-[a-z-]+=", text)]
        offenders += [f"{path}: date 'c'" for _ in re.findall(r"datetime=\"[^\"]*\|date:.c.", text)]
    assert not offenders


def test_time_elements_carry_valid_html_datetimes(client):
    listing = ListingFactory(published=True)

    content = client.get(listing.get_absolute_url()).content.decode()

    values = re.findall(r'<time datetime="([^"]*)"', content)
    assert len(values) >= 3
    assert [value for value in values if not HTML_DATETIME.match(value)] == []
    assert any("T" in value for value in values)


# --- Error pages -------------------------------------------------------------------------------


def test_404_uses_the_site_template(client):
    response = client.get("/no-such-page/")
    html = page(response)

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    assertTemplateUsed(response, "base.html")
    assert "We can't find that page" in html.find("h1").clean_text
    assert html.find("a").get("href") == "#main"
    assert reverse("home") in [a.get("href") for a in html.find_all("a", within=html.find("main"))]


def test_403_uses_the_site_template():
    request = RequestFactory().get("/employer/secret/")
    request.user = AnonymousUser()

    response = site_views.permission_denied(request)
    html = Page(response.content.decode())

    assert response.status_code == 403
    assert "don't have access" in html.find("h1").clean_text
    assert html.find("main").get("id") == "main"


def test_500_page_renders_without_any_context():
    response = site_views.server_error(RequestFactory().get("/"))
    content = response.content.decode()
    html = Page(content)

    assert response.status_code == 500
    assert "{%" not in content and "{{" not in content
    assert html.find("html").get("lang") == "en"
    assert html.find("main").get("id") == "main"
    assert "something went wrong" in html.find("h1").clean_text.lower()
    assert_no_inline_style_or_script(content)


# --- Stylesheet ------------------------------------------------------------------------------


def test_stylesheet_has_focus_styles_and_loads_nothing_external():
    css = Path(settings.BASE_DIR, "static", "css", "site.css").read_text()

    assert ":focus-visible" in css
    assert ".visually-hidden" in css
    assert ".link-button" in css
    assert ".skip-link" in css
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
