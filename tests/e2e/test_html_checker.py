"""The HTML checker the journeys rely on finds what it must, and passes what is valid."""

import pytest

pytestmark = pytest.mark.e2e

GOOD = "<!DOCTYPE html><html lang=en><title>ok</title><p><time datetime=2026-12-06T10:00:00Z>now</time>"
BAD = (
    "<!DOCTYPE html><html lang=en><title>bad</title>"
    '<p hx-get="/x" id=a>one</p><p id=a><time datetime="2026-12-05T16:00:06.534224+00:00">t</time>'
)


def test_valid_html_has_no_errors(nu_checker):
    assert nu_checker.errors(GOOD) == []


def test_the_checker_reports_invalid_attributes_ids_and_times(nu_checker):
    errors = " ".join(nu_checker.errors(BAD))

    assert "“hx-get” not allowed" in errors
    assert "Duplicate ID “a”" in errors
    assert "fraction of a second" in errors
