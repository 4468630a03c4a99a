"""sitemap.xml and robots.txt: what search engines are told to read, and what not."""

import datetime
import re
import xml.etree.ElementTree as ET  # noqa: S405 (the site's own responses, not untrusted data)

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ListingFactory, OrganizationFactory, StaffFactory

pytestmark = pytest.mark.django_db

W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 (the site's own response)


def listing_urls(client) -> dict[str, str]:
    """loc -> lastmod of every URL in the listings section."""
    root = parse(client.get("/sitemap-listings.xml"))
    assert root.tag == f"{{{NS['sm']}}}urlset"
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def test_the_index_links_each_section_with_its_latest_change(client):
    listing = ListingFactory(published=True)

    root = parse(client.get("/sitemap.xml"))

    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    sections = {
        entry.findtext("sm:loc", namespaces=NS): entry.findtext("sm:lastmod", namespaces=NS)
        for entry in root.findall("sm:sitemap", NS)
    }
    assert set(sections) == {
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-listings.xml",
        "http://testserver/sitemap-organizations.xml",
    }
    lastmod = sections["http://testserver/sitemap-listings.xml"]
    assert W3C_DATETIME.match(lastmod)
    assert datetime.datetime.fromisoformat(lastmod) == listing.updated_at.replace(microsecond=0)


def test_only_open_public_listings_are_listed(client):
    open_listing = ListingFactory(published=True)
    ListingFactory()  # draft
    ListingFactory(submitted=True)
    ListingFactory(closed=True)
    ListingFactory(
        published=True, application_deadline=timezone.localdate() - datetime.timedelta(1)
    )
    ListingFactory(published=True, organization=OrganizationFactory(suspended=True))

    assert list(listing_urls(client)) == [f"http://testserver{open_listing.get_absolute_url()}"]


def test_a_change_moves_lastmod_and_closing_takes_the_listing_out(client):
    listing = ListingFactory(published=True)
    url = f"http://testserver{listing.get_absolute_url()}"
    before = listing_urls(client)[url]

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        listing.summary = "A clearer summary of the same project."
        listing.save()
        after = listing_urls(client)[url]
        listing.close(by=StaffFactory())
        assert url not in listing_urls(client)

    assert datetime.datetime.fromisoformat(after) > datetime.datetime.fromisoformat(before)


def test_organizations_with_open_listings_are_listed_with_their_latest_change(client):
    listing = ListingFactory(published=True)
    ListingFactory(published=True, organization=listing.organization)
    ListingFactory(closed=True)  # an organization with nothing open

    root = parse(client.get("/sitemap-organizations.xml"))

    urls = root.findall("sm:url", NS)
    assert [url.findtext("sm:loc", namespaces=NS) for url in urls] == [
        f"http://testserver/orgs/{listing.organization.slug}/"
    ]
    latest = max(listing.organization.listings.values_list("updated_at", flat=True))
    lastmod = urls[0].findtext("sm:lastmod", namespaces=NS)
    assert datetime.datetime.fromisoformat(lastmod) == latest.replace(microsecond=0)


def test_the_pages_section_lists_where_visitors_start(client):
    root = parse(client.get("/sitemap-pages.xml"))

    locs = [url.findtext("sm:loc", namespaces=NS) for url in root.findall("sm:url", NS)]
    assert locs == ["http://testserver/", "http://testserver/listings/"]


def test_sitemap_queries_do_not_grow_with_the_listings(client):
    ListingFactory.create_batch(2, published=True)
    with CaptureQueriesContext(connection) as few:
        client.get("/sitemap.xml")
        client.get("/sitemap-listings.xml")
        client.get("/sitemap-organizations.xml")
    ListingFactory.create_batch(6, published=True)
    with CaptureQueriesContext(connection) as many:
        client.get("/sitemap.xml")
        client.get("/sitemap-listings.xml")
        client.get("/sitemap-organizations.xml")

    assert len(many) == len(few)


def test_robots_txt_keeps_crawlers_to_public_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    assert {"/staff/", "/employer/", "/accounts/", "/applications/", "/files/"} <= disallowed
    assert "/listings/*/apply/" in disallowed
    assert "/" not in disallowed and "/listings/" not in disallowed
    assert "Sitemap: http://testserver/sitemap.xml" in lines
