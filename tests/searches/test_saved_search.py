"""Saved searches: saving the browse page's search, managing them, and their email alerts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from notifications.delivery import deliver_due
from notifications.models import Category, Notification, NotificationPreference
from notifications.reminders import registered, run_rule
from searches.models import SavedSearch
from searches.reminders import ALERT_KIND, PAUSED_KIND
from tests.factories import (
    ApplicationFactory,
    IndustryFactory,
    ListingFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

RULE = "listings.saved_search_alerts"
LIST_URL = reverse("searches:list")
CREATE_URL = reverse("searches:create")
BROWSE_URL = reverse("listings:list")
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def update_url(search) -> str:
    return reverse("searches:update", kwargs={"pk": search.pk})


def delete_url(search) -> str:
    return reverse("searches:delete", kwargs={"pk": search.pk})


def run_alerts() -> int:
    """Run the alert rule and send what it queued; the number of emails sent."""
    run_rule(RULE)
    return deliver_due(limit=None)


def alerts() -> list:
    return [m for m in mail.outbox if "new project" in m.subject]


def save(student, query: str = "", frequency: str = "daily") -> SavedSearch:
    search, _created = SavedSearch.save_for(
        user=student, params=QueryDict(query), frequency=frequency
    )
    return search


# --- The query -------------------------------------------------------------------------------


def test_the_query_is_normalised_through_the_browse_filter():
    IndustryFactory(name="Non-profit", slug="non-profit")
    SkillFactory(name="Figma", slug="figma")
    SkillFactory(name="Copywriting", slug="copywriting")

    query = SavedSearch.normalize_query(
        QueryDict(
            "sort=fee&page=3&max_hours=20.0&skills=figma&skills=copywriting&q=  logo   design "
            "&location_type=remote&industry=non-profit&min_rate=25.50&unknown=1"
        )
    )

    assert query == (
        "q=logo+design&industry=non-profit&skills=copywriting&skills=figma"
        "&location_type=remote&min_rate=25.5&max_hours=20"
    )


def test_invalid_values_are_left_out_like_on_the_browse_page():
    query = SavedSearch.normalize_query(
        QueryDict("industry=no-such&location_type=moon&min_rate=lots&q=data")
    )

    assert query == "q=data"


def test_the_search_is_described_in_words():
    IndustryFactory(name="Non-profit", slug="non-profit")
    SkillFactory(name="Figma", slug="figma")
    search = SavedSearch(
        query="q=logo&industry=non-profit&skills=figma&location_type=onsite&min_rate=25&max_hours=10"
    )

    assert search.description == (
        "“logo” · Non-profit · On site · at least 25 an hour · at most 10 hours · skills: Figma"
    )
    assert SavedSearch(query="").description == "Every open project"


def test_only_students_save_searches(employer):
    with pytest.raises(ValidationError):
        save(employer, "q=logo")


def test_saving_the_same_search_again_changes_its_frequency(student):
    first = save(student, "q=logo&sort=fee")
    again, created = SavedSearch.save_for(
        user=student, params=QueryDict("q=logo&page=2"), frequency="weekly"
    )

    assert not created
    assert again.pk == first.pk
    assert SavedSearch.objects.get().frequency == "weekly"


def test_a_student_keeps_a_bounded_number_of_searches(student, settings):
    for n in range(SavedSearch.MAX_PER_USER):
        save(student, f"q=word{n}")

    with pytest.raises(ValidationError, match="up to 20"):
        save(student, "q=one-more")


# --- Saving from the browse page ---------------------------------------------------------------


def test_students_see_save_this_search_with_the_current_query(login, student):
    content = login(student).get(BROWSE_URL, {"q": "logo", "location_type": "remote"}).content
    content = content.decode()

    assert f'action="{CREATE_URL}"' in content
    assert 'name="query" value="q=logo&amp;location_type=remote"' in content
    assert "Save this search" in content
    assert 'type="radio" name="frequency" value="daily"' in content


def test_visitors_are_asked_to_sign_in_to_save(client):
    content = client.get(BROWSE_URL, {"q": "logo"}).content.decode()

    login = reverse("account_login")
    assert f'href="{login}?next=%2Flistings%2F%3Fq%3Dlogo"' in content
    assert f'action="{CREATE_URL}"' not in content


def test_employers_see_no_save_box(login, employer):
    content = login(employer).get(BROWSE_URL).content.decode()

    assert "Save this search" not in content
    assert "Sign in to save this search" not in content


def test_the_box_refreshes_itself_after_htmx_filtering(login, student):
    response = login(student).get(reverse("searches:form"), {"q": "data", "sort": "fee"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'name="query" value="q=data&amp;sort=fee"' in content
    assert 'data-hx-include=".filter-form"' in content
    assert 'data-hx-trigger="htmx:afterSettle from:#results"' in content


def test_a_student_saves_the_search(login, student):
    response = login(student).post(
        CREATE_URL, {"query": "q=logo&sort=fee&page=2", "frequency": "weekly"}, follow=True
    )

    search = SavedSearch.objects.get()
    assert (search.user, search.query, search.frequency) == (student, "q=logo", "weekly")
    assert response.redirect_chain == [(f"{BROWSE_URL}?q=logo", 302)]
    assert "We will email you weekly when new projects match it." in response.content.decode()


def test_a_visitor_who_saves_is_sent_to_sign_in(client):
    response = client.post(CREATE_URL, {"query": "q=logo", "frequency": "daily"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not SavedSearch.objects.exists()


def test_an_employer_cannot_save(login, employer):
    response = login(employer).post(CREATE_URL, {"query": "q=logo", "frequency": "daily"})

    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


def test_saving_needs_a_frequency(login, student):
    response = login(student).post(CREATE_URL, {"query": "q=logo", "frequency": "hourly"})

    assert response["Location"] == f"{BROWSE_URL}?q=logo"
    assert not SavedSearch.objects.exists()


def test_saving_is_post_only(login, student):
    assert login(student).get(CREATE_URL).status_code == 405


# --- Managing -------------------------------------------------------------------------------


def test_the_list_needs_a_signed_in_student(client, login, employer):
    assert client.get(LIST_URL)["Location"].startswith(reverse("account_login"))
    assert login(employer).get(LIST_URL)["Location"] == BROWSE_URL


def test_the_list_shows_only_my_searches(login, student, other_student):
    mine = save(student, "q=logo")
    save(other_student, "q=secret")

    response = login(student).get(LIST_URL)

    assert [s.pk for s in response.context["saved_searches"]] == [mine.pk]
    content = response.content.decode()
    assert "“logo”" in content
    assert "secret" not in content
    assert f'href="{BROWSE_URL}?q=logo"' in content


def test_opening_the_list_records_a_visit_and_resumes_paused_alerts(login, student):
    with time_machine.travel(START, tick=False):
        search = save(student, "q=logo")
    SavedSearch.objects.filter(pk=search.pk).update(paused=True)

    with time_machine.travel(START + timedelta(days=100), tick=False):
        login(student).get(LIST_URL)

    search.refresh_from_db()
    assert search.last_visit_at == START + timedelta(days=100)
    assert not search.paused


def test_change_frequency(login, student):
    search = save(student, "q=logo")

    response = login(student).post(update_url(search), {"frequency": "weekly"})

    assert response["Location"] == LIST_URL
    search.refresh_from_db()
    assert search.frequency == "weekly"


def test_delete(login, student):
    search = save(student, "q=logo")
    client = login(student)

    assert client.get(delete_url(search)).status_code == 405
    response = client.post(delete_url(search), follow=True)

    assert not SavedSearch.objects.exists()
    assert "Deleted the saved search “logo”" in response.content.decode()


def test_other_peoples_searches_are_not_found(login, student, other_student):
    theirs = save(other_student, "q=secret")
    client = login(student)

    assert client.post(delete_url(theirs)).status_code == 404
    assert client.post(update_url(theirs), {"frequency": "weekly"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.frequency == "daily"


# --- Alerts ------------------------------------------------------------------------------------


def test_the_alert_rule_is_registered_at_startup():
    assert RULE in registered()


@pytest.fixture
def design():
    return IndustryFactory(name="Design", slug="design")


def test_the_digest_lists_new_matching_open_listings_not_yet_applied_to(student, design, settings):
    settings.SITE_URL = "https://microintern.example"
    other_industry = IndustryFactory(name="Finance", slug="finance")
    with time_machine.travel(START - timedelta(days=2), tick=False):
        ListingFactory(published=True, industry=design, title="Published before saving")
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        fresh = ListingFactory(published=True, industry=design, title="Fresh poster project")
        ListingFactory(published=True, industry=other_industry, title="Other industry project")
        applied = ListingFactory(published=True, industry=design, title="Already applied project")
        ApplicationFactory(listing=applied, student=student)
        ListingFactory(submitted=True, industry=design, title="Waiting for review project")
        closing = ListingFactory(published=True, industry=design, title="Closed early project")
        closing.close(by=None)

    with time_machine.travel(START + timedelta(days=1, minutes=1), tick=False):
        assert run_alerts() == 1

    [email] = mail.outbox
    assert email.to == [student.email]
    assert email.subject == "1 new project for your saved search: Design"
    assert "Fresh poster project" in email.body
    assert f"https://microintern.example{fresh.get_absolute_url()}" in email.body
    for title in [
        "Published before saving",
        "Other industry project",
        "Already applied project",
        "Waiting for review project",
        "Closed early project",
    ]:
        assert title not in email.body
    assert "https://microintern.example/listings/?industry=design" in email.body
    assert "https://microintern.example/listings/searches/" in email.body
    keep_alive = re.search(
        r"https://microintern\.example/listings/searches/keep-alive/\S+/", email.body
    )
    assert keep_alive
    # An alert: the one-click unsubscribe applies.
    assert email.extra_headers["List-Unsubscribe"].startswith(
        "<https://microintern.example/notifications/unsubscribe/"
    )
    row = Notification.objects.get()
    assert (row.kind, row.category, row.recipient) == (ALERT_KIND, Category.ALERTS, student)
    assert row.link == f"{BROWSE_URL}?industry=design"
    search.refresh_from_db()
    assert search.last_sent_at == START + timedelta(days=1, minutes=1)


def test_a_second_run_sends_nothing(student, design):
    with time_machine.travel(START, tick=False):
        save(student, "industry=design")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        ListingFactory(published=True, industry=design)

    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        assert run_alerts() == 1
        assert run_alerts() == 0
    with time_machine.travel(START + timedelta(days=1, hours=2), tick=False):
        assert run_alerts() == 0

    assert len(mail.outbox) == 1


def test_the_next_digest_lists_only_what_is_new_since_the_last(student, design):
    with time_machine.travel(START, tick=False):
        save(student, "industry=design")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        ListingFactory(published=True, industry=design, title="First batch project")
    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        run_alerts()
    with time_machine.travel(START + timedelta(days=1, hours=5), tick=False):
        ListingFactory(published=True, industry=design, title="Second batch project")

    with time_machine.travel(START + timedelta(days=2, hours=2), tick=False):
        assert run_alerts() == 1

    second = mail.outbox[-1].body
    assert "Second batch project" in second
    assert "First batch project" not in second


def test_no_new_match_sends_nothing_and_waits_for_one(student, design):
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")

    with time_machine.travel(START + timedelta(days=3), tick=False):
        assert run_alerts() == 0
    search.refresh_from_db()
    assert search.last_sent_at is None
    assert not Notification.objects.exists()

    with time_machine.travel(START + timedelta(days=3, hours=1), tick=False):
        ListingFactory(published=True, industry=design)
    with time_machine.travel(START + timedelta(days=3, hours=2), tick=False):
        assert run_alerts() == 1


def test_weekly_searches_are_sent_once_a_week(student, design):
    with time_machine.travel(START, tick=False):
        save(student, "industry=design", frequency="weekly")
    with time_machine.travel(START + timedelta(days=1), tick=False):
        ListingFactory(published=True, industry=design, title="Week one project")

    for day in range(1, 7):
        with time_machine.travel(START + timedelta(days=day, hours=1), tick=False):
            assert run_alerts() == 0, f"sent on day {day}"
    with time_machine.travel(START + timedelta(days=7), tick=False):
        assert run_alerts() == 1

    with time_machine.travel(START + timedelta(days=8), tick=False):
        ListingFactory(published=True, industry=design, title="Week two project")
    with time_machine.travel(START + timedelta(days=13, hours=23), tick=False):
        assert run_alerts() == 0
    with time_machine.travel(START + timedelta(days=14), tick=False):
        assert run_alerts() == 1

    assert [("Week one" in m.body, "Week two" in m.body) for m in alerts()] == [
        (True, False),
        (False, True),
    ]
    keys = list(Notification.objects.order_by("pk").values_list("dedupe_key", flat=True))
    assert keys[0].endswith(":2027-W10") and keys[1].endswith(":2027-W11")


def test_a_long_digest_shows_the_first_ones_and_counts_the_rest(student, design):
    with time_machine.travel(START, tick=False):
        save(student, "industry=design")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        for n in range(12):
            ListingFactory(published=True, industry=design, title=f"Batch project {n}")

    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        run_alerts()

    [email] = mail.outbox
    assert email.subject.startswith("12 new projects")
    assert email.body.count("Batch project") == 10
    assert "And 2 more:" in email.body


def test_alerts_turned_off_are_not_emailed(student, design):
    NotificationPreference.set(user=student, category=Category.ALERTS, enabled=False)
    with time_machine.travel(START, tick=False):
        save(student, "industry=design")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        ListingFactory(published=True, industry=design)

    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        assert run_alerts() == 0

    assert mail.outbox == []
    assert Notification.objects.get().status == Notification.Status.SKIPPED


# --- Pausing and keeping alive ----------------------------------------------------------------


def test_alerts_pause_after_90_days_without_a_visit(student, design):
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")
    with time_machine.travel(START + timedelta(days=89), tick=False):
        ListingFactory(published=True, industry=design, title="Day 89 project")
        assert run_alerts() == 1
    with time_machine.travel(START + timedelta(days=90, hours=1), tick=False):
        ListingFactory(published=True, industry=design, title="Day 90 project")

    with time_machine.travel(START + timedelta(days=91), tick=False):
        assert run_alerts() == 1  # the notice that alerts are paused, not a digest

    search.refresh_from_db()
    assert search.paused
    notice = mail.outbox[-1]
    assert notice.subject == "Your saved-search alerts are paused"
    assert "Design" in notice.body
    assert "/listings/searches/keep-alive/" in notice.body
    assert "Day 90 project" not in notice.body
    assert Notification.objects.filter(kind=PAUSED_KIND).count() == 1

    with time_machine.travel(START + timedelta(days=120), tick=False):
        assert run_alerts() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_alerts_pause_when_the_beat_runs_them_outside_any_transaction(student, design):
    # The beat task stores each batch as it goes (`stored`), so the rule itself runs in
    # autocommit: the rows it locks to pause need a transaction of their own.
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")

    with time_machine.travel(START + timedelta(days=91), tick=False):
        assert run_rule(RULE, stored=lambda ids: None) == 1

    search.refresh_from_db()
    assert search.paused
    assert Notification.objects.filter(kind=PAUSED_KIND).count() == 1


def test_signing_in_counts_as_activity_and_keeps_alerts_coming(student, design):
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")
    # The student never opens the saved searches again, but signs in on day 80.
    type(student).objects.filter(pk=student.pk).update(last_login=START + timedelta(days=80))
    with time_machine.travel(START + timedelta(days=90, hours=1), tick=False):
        ListingFactory(published=True, industry=design, title="Day 90 project")

    with time_machine.travel(START + timedelta(days=91), tick=False):
        assert run_alerts() == 1

    search.refresh_from_db()
    assert not search.paused
    assert "Day 90 project" in mail.outbox[-1].body
    assert not Notification.objects.filter(kind=PAUSED_KIND).exists()

    # 90 days after that sign-in, without another, the alerts pause, saying why truthfully.
    with time_machine.travel(START + timedelta(days=171), tick=False):
        run_alerts()
    search.refresh_from_db()
    assert search.paused
    assert "not signed in to MicroIntern or opened your saved searches for 90 days" in (
        mail.outbox[-1].body
    )


def test_the_keep_alive_link_resumes_alerts_without_sign_in(client, student, design):
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")
    with time_machine.travel(START + timedelta(days=91), tick=False):
        run_alerts()
    search.refresh_from_db()
    assert search.paused
    link = re.search(r"/listings/searches/keep-alive/\S+/", mail.outbox[-1].body).group(0)

    with time_machine.travel(START + timedelta(days=95), tick=False):
        response = client.get(link)
        ListingFactory(published=True, industry=design, title="After resuming project")

    assert response.status_code == 200
    assert "Your alerts continue" in response.content.decode()
    search.refresh_from_db()
    assert not search.paused
    assert search.last_visit_at == START + timedelta(days=95)

    with time_machine.travel(START + timedelta(days=96), tick=False):
        assert run_alerts() == 1
    assert "After resuming project" in mail.outbox[-1].body


def test_the_keep_alive_link_in_an_alert_postpones_the_pause(client, student, design):
    with time_machine.travel(START, tick=False):
        search = save(student, "industry=design")
    with time_machine.travel(START + timedelta(days=80), tick=False):
        ListingFactory(published=True, industry=design)
        run_alerts()
        link = re.search(r"/listings/searches/keep-alive/\S+/", mail.outbox[-1].body).group(0)
        client.get(link)

    with time_machine.travel(START + timedelta(days=100), tick=False):
        run_alerts()

    search.refresh_from_db()
    assert not search.paused


def test_a_tampered_keep_alive_link_is_refused(client, student):
    search = save(student, "q=logo")
    SavedSearch.objects.filter(pk=search.pk).update(paused=True)
    token = SavedSearch.keep_alive_token(student.pk)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(reverse("searches:keep_alive", kwargs={"token": tampered}))

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    search.refresh_from_db()
    assert search.paused


def test_a_keep_alive_link_for_deleted_searches_is_not_found(client, student):
    token = SavedSearch.keep_alive_token(student.pk)

    response = client.get(reverse("searches:keep_alive", kwargs={"token": token}))

    assert response.status_code == 404
