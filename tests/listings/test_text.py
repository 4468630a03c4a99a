"""Employer-written descriptions: safe HTML whose headings fit under the listing page's own."""

import pytest

from listings.text import render_markdown
from tests.factories import ListingFactory


@pytest.mark.parametrize(
    "opening", ["# About the project", "## About this project:", "### about  the project"]
)
def test_a_description_opening_with_the_page_heading_does_not_repeat_it(opening):
    html = render_markdown(f"{opening}\n\nWe need help with our data.")

    assert html.strip() == "<p>We need help with our data.</p>"


def test_headings_nest_under_the_page_heading_keeping_their_order():
    html = render_markdown("# Context\n\nx\n\n## Detail\n\ny\n\n#### Deeper\n\nz\n\n# Goals")

    assert "<h3>Context</h3>" in html
    assert "<h4>Detail</h4>" in html
    assert "<h4>Deeper</h4>" in html
    assert "<h3>Goals</h3>" in html
    assert "<h1>" not in html and "<h2>" not in html


def test_the_same_heading_later_in_the_text_is_kept():
    html = render_markdown("Intro.\n\n## About the project\n\nMore.")

    assert "<h3>About the project</h3>" in html


@pytest.mark.django_db
def test_the_listing_page_shows_its_heading_once(client):
    listing = ListingFactory(
        published=True, description="## About the project\n\nWe need a student to help."
    )

    content = client.get(listing.get_absolute_url()).content.decode()

    assert content.count("About the project") == 1
    assert "We need a student to help." in content
