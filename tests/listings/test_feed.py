"""The Atom feed of open listings at /listings/feed/."""

from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import IndustryFactory, ListingFactory, OrganizationFactory, SkillFactory

pytestmark = pytest.mark.django_db

FEED_URL = reverse("listings:feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_feed_is_atom_with_open_listings_only(client):
    ListingFactory(published=True, title="Open and listed")
    ListingFactory(title="Draft")
    ListingFactory(submitted=True, title="Submitted")
    ListingFactory(closed=True, title="Closed")
    ListingFactory(
        published=True,
        title="Past deadline",
        application_deadline=timezone.localdate() - timedelta(days=1),
    )
    ListingFactory(
        published=True, title="Suspended org", organization=OrganizationFactory(suspended=True)
    )
    response = client.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries(response)]
    assert titles == ["Open and listed"]


def test_feed_entry_has_link_summary_categories_and_dates(client):
    listing = ListingFactory(
        published=True,
        title="Menu photography",
        summary="Photograph our new menu.",
        organization=OrganizationFactory(verified=True, name="Corner Café"),
        industry=IndustryFactory(name="Hospitality"),
        fee=Decimal("300"),
        estimated_hours=10,
        skills=[SkillFactory(name="Photography"), SkillFactory(name="Lightroom")],
    )
    (entry,) = entries(client.get(FEED_URL))
    link = entry.find(f"{ATOM}link").get("href")
    assert link == "http://testserver" + listing.get_absolute_url()
    summary = entry.findtext(f"{ATOM}summary")
    assert "Photograph our new menu." in summary
    assert "300.00 USD" in summary
    assert "about 10 hours" in summary
    assert "Apply by" in summary
    categories = {category.get("term") for category in entry.findall(f"{ATOM}category")}
    assert categories == {"Hospitality", "Photography", "Lightroom"}
    assert entry.findtext(f"{ATOM}published").startswith(listing.published_at.date().isoformat())
    assert entry.findtext(f"{ATOM}updated")
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Corner Café"


def test_feed_holds_the_fifty_newest(client, django_assert_max_num_queries):
    now = timezone.now()
    for days in range(52):
        ListingFactory(published=True, title=f"Listing {days}", published_at=now - timedelta(days))
    with django_assert_max_num_queries(3):
        response = client.get(FEED_URL)
    found = entries(response)
    assert len(found) == 50
    assert found[0].findtext(f"{ATOM}title") == "Listing 0"
    assert "Listing 50" not in response.content.decode()


def test_list_page_links_to_the_feed(client):
    content = client.get(reverse("listings:list")).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in content
    assert f'href="{FEED_URL}"' in content


def test_feed_parses_without_warnings_with_stable_ids_authors_and_a_self_link(client, settings):
    settings.SITE_URL = "https://microintern.example"
    older = ListingFactory(published=True, title="First project")
    newer = ListingFactory(published=True, title="Second project")
    newer.published_at = older.published_at + timedelta(minutes=5)
    newer.save()

    parsed = feedparser.parse(client.get(FEED_URL).content)

    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = parsed.feed
    assert feed.id == "tag:microintern.example,2026-01-01:listings/open"
    assert feed.author == "MicroIntern"
    assert any(
        link.rel == "self" and link.href == "http://testserver" + FEED_URL for link in feed.links
    )
    assert feed.updated_parsed is not None
    ids = {entry.title: entry.id for entry in parsed.entries}
    created = older.created_at.date().isoformat()
    assert ids["First project"] == f"tag:microintern.example,{created}:listing/{older.pk}"
    for entry in parsed.entries:
        assert entry.author
        assert entry.updated_parsed is not None
        assert entry.published_parsed is not None


def test_an_entry_keeps_its_id_when_the_listing_is_renamed(client):
    listing = ListingFactory(published=True, title="Before")
    (before,) = feedparser.parse(client.get(FEED_URL).content).entries

    listing.title = "After"
    listing.save()

    (after,) = feedparser.parse(client.get(FEED_URL).content).entries
    assert after.title == "After"
    assert after.id == before.id


def test_the_feed_reads_neither_the_descriptions_nor_more_queries_for_more_entries(client):
    skills = [SkillFactory(name="Python"), SkillFactory(name="SQL")]
    ListingFactory.create_batch(3, published=True, skills=skills)
    with CaptureQueriesContext(connection) as few:
        client.get(FEED_URL)
    ListingFactory.create_batch(12, published=True, skills=skills)
    with CaptureQueriesContext(connection) as many:
        response = client.get(FEED_URL)
    assert len(entries(response)) == 15
    assert len(many) == len(few)
    listing_query = next(q["sql"] for q in many.captured_queries if "listings_listing" in q["sql"])
    assert '"description' not in listing_query
