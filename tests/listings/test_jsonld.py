"""JobPosting structured data: every field Google requires or recommends is there, and each
says what the page itself says (Google drops postings whose markup and page disagree)."""

from __future__ import annotations

import datetime
import html
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import ListingFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

REQUIRED = {"title", "description", "datePosted", "hiringOrganization", "validThrough"}
RECOMMENDED = {"baseSalary", "employmentType", "identifier", "directApply"}
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page_and_data(client, listing) -> tuple[str, dict | None]:
    content = client.get(listing.get_absolute_url()).content.decode()
    blocks = JSONLD.findall(content)
    assert len(blocks) <= 1
    return content, json.loads(blocks[0]) if blocks else None


def text_of(content: str) -> str:
    """The page's visible words, tags and scripts left out, in one line."""
    content = re.sub(r"<script\b.*?</script>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


@pytest.mark.parametrize("location_type", ["remote", "onsite", "hybrid"])
def test_every_required_and_recommended_field_matches_the_page(client, location_type):
    listing = ListingFactory(
        published=True,
        organization=OrganizationFactory(verified=True, name="Harbor Light Foundation"),
        title="Volunteer database clean-up",
        fee=Decimal("450.00"),
        estimated_hours=15,
        currency="GBP",
        location_type=location_type,
        city="" if location_type == "remote" else "Leeds",
        country="GB",
    )

    content, data = page_and_data(client, listing)
    text = text_of(content)

    assert data is not None
    assert REQUIRED | RECOMMENDED <= set(data)
    assert re.search(r"<h1>\s*Volunteer database clean-up\s*</h1>", content)
    assert data["title"] == "Volunteer database clean-up"
    assert data["description"] in content  # the description as the page renders it
    assert data["hiringOrganization"]["name"] in text
    posted = re.search(r'<dt>Published</dt><dd><time datetime="([^"]+)"', content).group(1)
    assert data["datePosted"] == posted[:10]
    deadline = listing.application_deadline
    assert data["validThrough"].startswith(deadline.isoformat())
    assert f"Apply by {deadline:%-d %B %Y}" in text
    salary = data["baseSalary"]
    assert salary["currency"] == "GBP" and salary["value"]["unitText"] == "HOUR"
    assert f"{salary['value']['value']:g} GBP an hour" in text  # 450 / 15 = 30
    assert f"About {listing.estimated_hours} hours" in text
    assert "450 GBP for the project" in text
    if location_type == "remote":
        assert "jobLocation" not in data
        assert data["jobLocationType"] == "TELECOMMUTE"
        assert data["applicantLocationRequirements"]["name"] == "GB"
    else:
        address = data["jobLocation"]["address"]
        assert address["addressLocality"] == "Leeds" and "Leeds" in text
        assert (data.get("jobLocationType") == "TELECOMMUTE") == (location_type == "hybrid")


def test_a_closed_listing_drops_the_markup_and_says_it_is_closed(client):
    listing = ListingFactory(closed=True)

    content, data = page_and_data(client, listing)

    assert data is None
    assert "no longer accepting applications" in text_of(content)


def test_a_listing_past_its_deadline_drops_the_markup(client):
    listing = ListingFactory(
        published=True, application_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )

    content, data = page_and_data(client, listing)

    assert data is None
    assert "no longer accepting applications" in text_of(content)
