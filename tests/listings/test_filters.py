"""The browse page's filters, search, sorting and pagination, through /listings/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("listings:list")


def titles(client, params=None) -> list[str]:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return [listing.title for listing in response.context["page_obj"].object_list]


def test_lists_only_open_listings(client):
    ListingFactory(published=True, title="Open one")
    ListingFactory(title="A draft")
    ListingFactory(submitted=True, title="Waiting for review")
    ListingFactory(closed=True, title="Closed one")
    ListingFactory(status="suspended", title="Suspended one")
    ListingFactory(
        published=True,
        title="Past its deadline",
        application_deadline=timezone.localdate() - timedelta(days=1),
    )
    ListingFactory(
        published=True,
        title="From a suspended organization",
        organization=OrganizationFactory(suspended=True),
    )
    assert titles(client) == ["Open one"]


def test_search_matches_words_in_title_skills_summary_and_description(client):
    ListingFactory(published=True, title="Newsletter redesign")
    ListingFactory(published=True, title="Donor survey", summary="Analyse a newsletter survey.")
    ListingFactory(published=True, title="Unrelated", description="Clean a spreadsheet.")
    ListingFactory(
        published=True, title="Skill match", skills=[SkillFactory(name="Newsletter writing")]
    )
    assert set(titles(client, {"q": "newsletters"})) == {
        "Newsletter redesign",
        "Donor survey",
        "Skill match",
    }


def test_search_understands_websearch_syntax(client):
    ListingFactory(published=True, title="Social media plan", description="For a bakery.")
    ListingFactory(published=True, title="Social media audit", description="For a museum.")
    assert titles(client, {"q": '"media plan"'}) == ["Social media plan"]
    assert titles(client, {"q": "social -museum"}) == ["Social media plan"]


def test_title_match_ranks_above_description_only_match(client):
    now = timezone.now()
    # The description-only match is newer, so only the rank can put the title match first.
    ListingFactory(
        published=True,
        title="Brand refresh",
        description="Work on our logo, colours and typography.",
        published_at=now - timedelta(days=3),
    )
    ListingFactory(
        published=True,
        title="Quarterly report layout",
        description="We need help with our logo for the cover page.",
        published_at=now,
    )
    ListingFactory(
        published=True,
        title="Logo design for a food bank",
        description="A simple mark that works in one colour.",
        published_at=now - timedelta(days=10),
    )
    assert titles(client, {"q": "logo", "sort": "relevance"})[0] == "Logo design for a food bank"
    # Relevance is also the default order of a search.
    assert titles(client, {"q": "logo"})[0] == "Logo design for a food bank"
    # Another order can still be chosen.
    assert titles(client, {"q": "logo", "sort": "newest"})[0] == "Quarterly report layout"


def test_industry_filter_by_slug(client):
    health = IndustryFactory(name="Health care")
    ListingFactory(published=True, title="Clinic", industry=health)
    ListingFactory(published=True, title="Shop", industry=IndustryFactory(name="Retail"))
    assert titles(client, {"industry": "health-care"}) == ["Clinic"]


def test_skills_filter_matches_any_chosen_skill_once(client):
    python = SkillFactory(name="Python")
    design = SkillFactory(name="Figma")
    writing = SkillFactory(name="Copywriting")
    ListingFactory(published=True, title="Python only", skills=[python])
    ListingFactory(published=True, title="Both", skills=[python, design])
    ListingFactory(published=True, title="Writing", skills=[writing])
    ListingFactory(published=True, title="No skills")

    assert set(titles(client, {"skills": "python"})) == {"Python only", "Both"}
    found = titles(client, {"skills": ["python", "figma"]})
    assert sorted(found) == ["Both", "Python only"]  # "Both" appears once
    response = client.get(URL, {"skills": ["python", "figma"]})
    assert b"2 open projects match your filters." in response.content
    assert b"any of the skills" in response.content


def test_location_type_filter(client):
    ListingFactory(published=True, title="Remote", location_type="remote")
    ListingFactory(published=True, title="Hybrid", location_type="hybrid", city="Leeds")
    ListingFactory(published=True, title="Onsite", location_type="onsite", city="York")
    assert titles(client, {"location_type": "hybrid"}) == ["Hybrid"]
    assert titles(client, {"location_type": "onsite"}) == ["Onsite"]


def test_min_rate_filters_on_effective_hourly_rate(client):
    ListingFactory(published=True, title="25 an hour", fee=Decimal("500"), estimated_hours=20)
    ListingFactory(published=True, title="40 an hour", fee=Decimal("400"), estimated_hours=10)
    ListingFactory(published=True, title="20 an hour", fee=Decimal("800"), estimated_hours=40)
    assert set(titles(client, {"min_rate": "25"})) == {"25 an hour", "40 an hour"}
    assert titles(client, {"min_rate": "30.5"}) == ["40 an hour"]


def test_max_hours_filter(client):
    ListingFactory(published=True, title="Short", estimated_hours=8)
    ListingFactory(published=True, title="Medium", estimated_hours=20)
    ListingFactory(published=True, title="Long", estimated_hours=40)
    assert set(titles(client, {"max_hours": "20"})) == {"Short", "Medium"}


def test_filters_combine(client):
    marketing = IndustryFactory(name="Marketing")
    seo = SkillFactory(name="SEO")
    match = {
        "published": True,
        "industry": marketing,
        "location_type": "remote",
        "estimated_hours": 10,
        "fee": Decimal("400"),
        "skills": [seo],
    }
    ListingFactory(title="Keyword research for a charity", **match)
    ListingFactory(**{**match, "title": "Keyword research onsite", "location_type": "onsite"})
    ListingFactory(**{**match, "title": "Keyword research long", "estimated_hours": 40})
    ListingFactory(**{**match, "title": "Keyword research cheap", "fee": Decimal("100")})
    ListingFactory(**{**match, "title": "Competitor analysis"})
    ListingFactory(**{**match, "title": "Keyword research no skill", "skills": []})
    ListingFactory(
        **{**match, "title": "Keyword research elsewhere", "industry": IndustryFactory()}
    )
    params = {
        "q": "keyword",
        "industry": "marketing",
        "skills": "seo",
        "location_type": "remote",
        "min_rate": "30",
        "max_hours": "20",
    }
    assert titles(client, params) == ["Keyword research for a charity"]


def test_sort_orders(client):
    today = timezone.localdate()
    now = timezone.now()
    ListingFactory(
        published=True,
        title="Old, soon, mid fee",
        published_at=now - timedelta(days=5),
        application_deadline=today + timedelta(days=1),
        fee=Decimal("500"),
    )
    ListingFactory(
        published=True,
        title="New, late, low fee",
        published_at=now,
        application_deadline=today + timedelta(days=20),
        fee=Decimal("300"),
    )
    ListingFactory(
        published=True,
        title="Mid, mid, high fee",
        published_at=now - timedelta(days=2),
        application_deadline=today + timedelta(days=7),
        fee=Decimal("900"),
    )
    newest = ["New, late, low fee", "Mid, mid, high fee", "Old, soon, mid fee"]
    assert titles(client) == newest
    assert titles(client, {"sort": "newest"}) == newest
    assert titles(client, {"sort": "deadline"}) == [
        "Old, soon, mid fee",
        "Mid, mid, high fee",
        "New, late, low fee",
    ]
    assert titles(client, {"sort": "fee"}) == [
        "Mid, mid, high fee",
        "Old, soon, mid fee",
        "New, late, low fee",
    ]
    # Best match without a search falls back to newest.
    assert titles(client, {"sort": "relevance"}) == newest


@pytest.mark.parametrize(
    "params",
    [
        {"max_hours": "abc"},
        {"max_hours": "1e400"},
        {"min_rate": "NaN"},
        {"min_rate": "-5"},
        {"industry": "nope"},
        {"skills": "nope"},
        {"skills": ["python", "nope"]},
        {"location_type": "moon"},
        {"sort": "bogus"},
        {"page": "999"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "1" * 40},
        {"q": "x" * 500},
        {"q": "!!! & | <-> :*"},
        {"q": "the"},
    ],
)
def test_bad_values_give_a_friendly_page(client, params):
    SkillFactory(name="Python")
    ListingFactory(published=True, title="Still listed")
    response = client.get(URL, params)
    assert response.status_code == 200
    assert b"Browse paid projects" in response.content


def test_a_nul_byte_in_a_filter_is_refused_with_the_plain_400_page(client):
    response = client.get(URL, {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"This request can't be read" in response.content


def test_bad_filter_is_left_out_and_said_so(client):
    ListingFactory(published=True, title="Remote long", location_type="remote", estimated_hours=40)
    ListingFactory(published=True, title="Onsite", location_type="onsite")
    response = client.get(URL, {"max_hours": "abc", "location_type": "remote"})
    assert [item.title for item in response.context["page_obj"]] == ["Remote long"]
    content = response.content.decode()
    assert "could not be used and were left out" in content
    assert "At most this many hours" in content


def test_unknown_industry_is_reported(client):
    ListingFactory(published=True)
    response = client.get(URL, {"industry": "nope"})
    assert response.context["paginator"].count == 1
    assert "Industry:" in response.content.decode()


def test_page_past_the_end_shows_the_last_page_with_a_note(client):
    ListingFactory.create_batch(21, published=True)
    response = client.get(URL, {"page": "999"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert len(response.context["page_obj"].object_list) == 1
    assert "There is no page “999”" in response.content.decode()


def test_pagination_keeps_the_filters(client):
    ListingFactory.create_batch(25, published=True, location_type="remote")
    ListingFactory.create_batch(3, published=True, location_type="onsite")
    response = client.get(URL, {"location_type": "remote", "sort": "fee"})
    content = response.content.decode()
    assert response.context["paginator"].count == 25
    assert "?location_type=remote&amp;sort=fee&amp;page=2" in content
    page_two = client.get(URL, {"location_type": "remote", "sort": "fee", "page": "2"})
    assert len(page_two.context["page_obj"].object_list) == 5
    assert all(listing.location_type == "remote" for listing in page_two.context["page_obj"])
    assert "?location_type=remote&amp;sort=fee&amp;page=1" in page_two.content.decode()


def test_pages_neither_overlap_nor_skip_when_sort_keys_tie(client):
    same_time = timezone.now()
    ListingFactory.create_batch(45, published=True, published_at=same_time, fee=Decimal("500"))
    for sort in ("newest", "fee", "deadline"):
        seen = []
        for page in (1, 2, 3):
            seen += titles(client, {"sort": sort, "page": page})
        assert len(seen) == len(set(seen)) == 45


def test_results_count_and_clear_filters_link(client):
    ListingFactory.create_batch(2, published=True, location_type="remote")
    ListingFactory(published=True, location_type="onsite")
    content = client.get(URL, {"location_type": "remote"}).content.decode()
    assert "2 open projects match your filters." in content
    assert f'href="{URL}">Clear filters</a>' in content
    assert "3 open projects." in client.get(URL).content.decode()
    assert "1 open project matches your filters." in (
        client.get(URL, {"location_type": "onsite"}).content.decode()
    )


def test_empty_results_explain_what_to_do(client):
    content = client.get(URL).content.decode()
    assert "There are no open projects right now." in content
    ListingFactory(published=True, location_type="remote")
    content = client.get(URL, {"location_type": "onsite"}).content.decode()
    assert "No open project matches these filters right now." in content
    assert "clear all filters" in content


def test_the_form_lists_the_industries_and_skills_of_the_moment(login, student):
    """The choices are read with each rendering: one added since the last shows at once."""
    IndustryFactory(name="Energy")
    SkillFactory(name="Surveys")
    client = login(student)
    first = client.get(URL).content.decode()
    IndustryFactory(name="Fisheries")
    SkillFactory(name="Welding")
    second = client.get(URL).content.decode()
    assert "Energy" in first and "Surveys" in first
    assert "Fisheries" not in first and "Welding" not in first
    assert "Fisheries" in second and "Welding" in second
    assert "Energy" in second and "Surveys" in second
