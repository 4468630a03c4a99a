"""The public portfolio: opt-in, verified completions only, no contact data."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import StudentProfile
from applications.models import Feedback
from notifications.models import Notification
from tests.factories import ApplicationFactory, ListingFactory, SkillFactory, pdf_upload

pytestmark = pytest.mark.django_db

URL = "/students/ada-l/"


@pytest.fixture
def ada(student):
    """A student with a public portfolio at /students/ada-l/ and every private detail filled in."""
    student.first_name, student.last_name = "Ada", "Lovelace"
    student.save()
    profile = student.student_profile
    profile.school = "Analytical College"
    profile.program = "Mathematics"
    profile.bio = "Write to me at ada.private@mail.example"
    profile.github_url = "https://github.com/ada-secret"
    profile.linkedin_url = "https://www.linkedin.com/in/ada-secret"
    profile.portfolio_url = "https://ada-secret.example.org"
    profile.weekly_hours = 10
    profile.handle = "ada-l"
    profile.portfolio_public = True
    profile.resume = pdf_upload()
    profile.save()
    profile.skills.add(SkillFactory(name="Data analysis"), SkillFactory(name="Technical writing"))
    return student


def completed(student, organization, *, title="Sales dashboard", **kwargs):
    listing = ListingFactory(
        published=True,
        organization=organization,
        title=title,
        deliverables="- A cleaned dataset\n- A two-page report",
    )
    return ApplicationFactory(listing=listing, student=student, status="completed", **kwargs)


def give_testimonial(application, author, *, public, comment="Careful, fast and clear."):
    return Feedback.objects.create(
        application=application,
        author_role=Feedback.Author.EMPLOYER,
        author=author,
        rating=5,
        comment=comment,
        public=public,
    )


def test_url_name_and_path(ada):
    assert reverse("portfolio", kwargs={"handle": "ada-l"}) == URL


# --- Visibility ------------------------------------------------------------------------------


def test_public_portfolio_is_shown_to_visitors(client, ada):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Analytical College" in html
    assert "Mathematics" in html
    assert "Data analysis" in html
    assert "Technical writing" in html


@pytest.mark.parametrize("who", ["visitor", "student", "staff"])
def test_a_private_portfolio_is_404_for_everyone(client, login, ada, staff, who):
    StudentProfile.objects.filter(user=ada).update(portfolio_public=False)
    if who != "visitor":
        client = login({"student": ada, "staff": staff}[who])

    assert client.get(URL).status_code == 404


def test_an_unknown_address_is_404(client, ada):
    assert client.get("/students/nobody-here/").status_code == 404


def test_a_deactivated_account_has_no_portfolio(client, ada):
    ada.is_active = False
    ada.save()

    assert client.get(URL).status_code == 404


def test_a_profile_without_an_address_has_no_portfolio_page(client, other_student):
    assert client.get("/students/none/").status_code == 404


# --- What it shows -------------------------------------------------------------------------


def test_completed_work_is_shown_as_verified_by_the_organization(client, ada, organization):
    application = completed(ada, organization)
    application.completed_at = application.completed_at.replace(year=2026, month=2, day=14)
    application.save()

    html = client.get(URL).content.decode()

    assert "Sales dashboard" in html
    assert "Verified by Northwind Test" in html
    assert "A cleaned dataset" in html
    assert "A two-page report" in html
    assert "14 February 2026" in html
    assert 'datetime="2026-02-14"' in html
    assert "badge-success" in html  # the organization is verified
    assert f'href="{reverse("listings:organization", kwargs={"slug": organization.slug})}"' in html


@pytest.mark.parametrize(
    "status",
    [
        "submitted",
        "viewed",
        "shortlisted",
        "offered",
        "accepted",
        "work_submitted",
        "revision_requested",
        "incomplete",
        "not_selected",
        "withdrawn",
        "declined",
        "offer_expired",
    ],
)
def test_work_that_is_not_completed_is_hidden(client, ada, organization, status):
    completed(ada, organization, title="Shown project")
    listing = ListingFactory(published=True, organization=organization, title="Hidden project")
    ApplicationFactory(listing=listing, student=ada, status=status)

    html = client.get(URL).content.decode()

    assert "Shown project" in html
    assert "Hidden project" not in html


def test_other_students_work_is_not_shown(client, ada, other_student, organization):
    completed(other_student, organization, title="Someone else's project")

    html = client.get(URL).content.decode()

    assert "Someone else" not in html
    assert "no completed micro-internships" in html


def test_a_testimonial_shows_only_once_the_student_publishes_it(
    client, ada, employer, organization
):
    application = completed(ada, organization)
    feedback = give_testimonial(application, employer, public=False)

    html = client.get(URL).content.decode()
    assert "Careful, fast and clear." not in html
    assert "out of 5" not in html

    feedback.set_public(by=ada, public=True)
    html = client.get(URL).content.decode()
    assert "Careful, fast and clear." in html
    assert "rated 5 out of 5" in html
    assert "Testimonial from Northwind Test" in html


def test_the_students_own_rating_is_never_shown(client, ada, organization):
    application = completed(ada, organization)
    Feedback.objects.create(
        application=application,
        author_role=Feedback.Author.STUDENT,
        author=ada,
        rating=2,
        comment="The brief kept changing.",
        public=True,
    )

    html = client.get(URL).content.decode()

    assert "The brief kept changing." not in html
    assert "out of 5" not in html


def test_no_contact_data_or_resume_is_ever_shown(client, ada, employer, organization):
    give_testimonial(completed(ada, organization), employer, public=True)

    html = client.get(URL).content.decode()

    assert ada.email not in html
    assert "@" not in re.sub(r"<[^>]+>", "", html)  # no address in any text
    assert "ada.private" not in html
    assert "ada-secret" not in html
    assert "/files/" not in html
    assert "resume" not in html.lower()
    assert "/media/" not in html
    assert "employer@" not in html and employer.email not in html


def test_page_title_heading_and_open_graph(client, ada, organization, settings):
    settings.SITE_URL = "https://microintern.example"
    completed(ada, organization)
    completed(ada, organization, title="Second project")

    html = client.get(URL).content.decode()

    assert re.search(r"<title>Ada Lovelace: portfolio[^<]*· MicroIntern</title>", html)
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert re.search(r"<h1[^>]*>Ada Lovelace</h1>", html)
    assert '<meta property="og:title" content="Ada Lovelace on MicroIntern">' in html
    description = re.search(r'<meta property="og:description" content="([^"]*)">', html).group(1)
    assert description == (
        "Mathematics at Analytical College. "
        "2 micro-internships completed and verified by the organizations."
    )
    assert '<meta property="og:url" content="https://microintern.example/students/ada-l/">' in html
    assert '<link rel="canonical" href="https://microintern.example/students/ada-l/">' in html
    assert '<meta property="og:type" content="profile">' in html


def test_text_from_the_student_and_employer_is_escaped(client, ada, employer, organization):
    StudentProfile.objects.filter(user=ada).update(school='<script>alert("x")</script>')
    give_testimonial(completed(ada, organization), employer, public=True, comment="<b>bold</b>")

    html = client.get(URL).content.decode()

    assert '<script>alert("x")' not in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


# --- Queries -----------------------------------------------------------------------------------


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_constant_number_of_queries_whatever_the_number_of_completions(
    client, ada, employer, organization, other_organization
):
    first = completed(ada, organization, title="Project 0")
    give_testimonial(first, employer, public=True)
    one = queries_for(client)

    for n in range(1, 5):
        application = completed(
            ada, other_organization if n % 2 else organization, title=f"Project {n}"
        )
        give_testimonial(application, employer, public=bool(n % 2))
    five = queries_for(client)

    html = client.get(URL).content.decode()
    assert all(f"Project {n}" in html for n in range(5))
    assert one == five
    assert five <= 5


# --- A published testimonial rewritten afterwards ---------------------------------------------


def test_an_edited_testimonial_leaves_the_portfolio_until_published_again(
    client, login, ada, employer, organization, django_capture_on_commit_callbacks, mailoutbox
):
    application = completed(ada, organization)
    give_testimonial(application, employer, public=True)
    assert "Careful, fast and clear." in client.get(URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = login(employer).post(
            f"/employer/applications/application/{application.pk}/feedback/",
            {"rating": "1", "comment": "Do NOT hire: dishonest and lazy."},
            follow=True,
        )

    assert response.status_code == 200
    assert "off the portfolio until they read the new version" in response.content.decode()
    feedback = Feedback.objects.get(application=application, author_role="employer")
    assert feedback.comment == "Do NOT hire: dishonest and lazy."
    assert not feedback.public
    client.logout()
    html = client.get(URL).content.decode()
    assert "Do NOT hire" not in html
    assert "Careful, fast and clear." not in html
    # The student is told, by email and on their notifications page.
    notice = Notification.objects.get(kind="applications.testimonial_changed")
    assert notice.recipient == ada
    assert notice.link == application.get_absolute_url()
    assert "publish it again" in notice.body_text
    assert [m.to for m in mailoutbox] == [[ada.email]]

    feedback.set_public(by=ada, public=True)
    assert "Do NOT hire: dishonest and lazy." in client.get(URL).content.decode()


def test_an_unchanged_or_unpublished_testimonial_stays_as_it_was(ada, employer, organization):
    application = completed(ada, organization)
    give_testimonial(application, employer, public=True)

    Feedback.give(
        application=application, author=employer, rating=5, comment="Careful, fast and clear. "
    )
    assert Feedback.objects.get(application=application, author_role="employer").public

    hidden = completed(ada, organization, title="Another project")
    give_testimonial(hidden, employer, public=False)
    Feedback.give(application=hidden, author=employer, rating=4, comment="Good.")

    assert not Notification.objects.filter(kind="applications.testimonial_changed").exists()
