"""Pay transparency: a listing says in one place what it pays, for how long, what else comes
with it, until when and how to apply; and no form asks a student what they were paid."""

from __future__ import annotations

import importlib
import json
import re
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.conf import settings

from listings.models import Listing
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

FACTS = re.compile(r'<dl class="listing-facts">(.*?)</dl>', re.S)
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def facts(content: str) -> dict[str, str]:
    """The 'At a glance' list as term -> words."""
    block = FACTS.search(content).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)
    return {term: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for term, value in pairs}


def test_one_place_says_pay_hours_rate_extras_deadline_and_how_to_apply(client):
    listing = ListingFactory(published=True, fee=Decimal("600"), estimated_hours=20)

    content = client.get(listing.get_absolute_url()).content.decode()
    glance = facts(content)

    assert glance["Fee"] == "600 USD for the project"
    assert glance["Estimated time"] == "About 20 hours"
    assert glance["Effective hourly rate"] == "30 USD an hour"
    assert glance["Besides the fee"] == Listing.NOTHING_BESIDES_FEE
    assert glance["Apply by"].startswith(f"{listing.application_deadline:%-d %B %Y}")
    assert glance["How to apply"].startswith("On MicroIntern")
    assert 'href="#apply-heading"' in FACTS.search(content).group(1)


def test_what_else_the_employer_provides_is_shown_and_marked_up(client):
    listing = ListingFactory(
        published=True, also_provided="A laptop for the project\nTravel costs to our office"
    )

    content = client.get(listing.get_absolute_url()).content.decode()

    assert facts(content)["Besides the fee"] == (
        "A laptop for the project Travel costs to our office"
    )
    data = json.loads(JSONLD.search(content).group(1))
    assert data["jobBenefits"] == "A laptop for the project\nTravel costs to our office"


def test_the_markup_says_so_when_the_fee_is_all(client):
    listing = ListingFactory(published=True)

    content = client.get(listing.get_absolute_url()).content.decode()

    assert json.loads(JSONLD.search(content).group(1))["jobBenefits"] == (
        Listing.NOTHING_BESIDES_FEE
    )


def test_employers_are_asked_what_else_they_provide(login, employer):
    content = login(employer).get("/employer/listings/listing/add/").content.decode()

    assert 'name="also_provided"' in content
    assert "Leave it empty when the fee is all" in content
    assert "also_provided" in Listing.MATERIAL_FIELDS


# Asking about pay history is what salary-history bans forbid (New York, California,
# Colorado and others); a form may ask what a project pays, never what a person was paid.
PAY_HISTORY = re.compile(
    r"\b(salary|wage|current pay|previous pay|past pay|pay history|last paid|earn(ed|ings)?)\b",
    re.I,
)


def _our_form_classes() -> list[type[forms.BaseForm]]:
    ours = {config.name for config in apps.get_app_configs()} & set(settings.INSTALLED_APPS)
    for name in ours:
        for module in ("forms", "admin_forms"):
            try:
                importlib.import_module(f"{name}.{module}")
            except ModuleNotFoundError:
                continue
    found, stack = [], [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ours and not cls.__module__.startswith("django"):
            found.append(cls)
    return found


def test_no_form_asks_anyone_what_they_were_paid():
    classes = _our_form_classes()
    assert len(classes) >= 10  # the search reaches the site's forms
    asked = []
    for cls in classes:
        for name, field in getattr(cls, "base_fields", {}).items():
            words = f"{name} {field.label or ''} {field.help_text or ''}"
            if PAY_HISTORY.search(words.replace("_", " ")):
                asked.append(f"{cls.__module__}.{cls.__name__}.{name}: {words}")
    assert asked == []
