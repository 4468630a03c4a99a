"""The site's `date` filter gives exactly what Django's gives, for every format the templates use."""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

from microintern.dates import date, format_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def formats_in_templates() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.*"):
        text = path.read_text(errors="replace")
        found |= {match[1] for match in re.findall(r"""\|date:(["'])(.*?)\1""", text)}
    return found


FORMATS = sorted(
    formats_in_templates()
    | {"j M Y", "D j M", "n/j/Y", "Y-m-d\\TH:i:s\\Z", "\\Y Y", "jS F Y", "DATE_FORMAT", "", "%d %Y"}
)
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
VALUES = [
    datetime.date(2026, 1, 5),
    datetime.date(999, 12, 31),
    datetime.datetime(2026, 3, 29, 1, 30, 5, tzinfo=datetime.UTC),
    datetime.datetime(2026, 10, 25, 2, 30, tzinfo=PARIS),  # ambiguous: the clocks go back
    datetime.datetime(2026, 3, 29, 2, 30, tzinfo=PARIS),  # imaginary: the clocks go forward
    datetime.datetime(2026, 7, 14, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("America/St_Johns")),
    datetime.datetime(2026, 7, 14, 9, 5),  # naive
]


def test_nearly_every_format_of_the_templates_is_handled_here():
    left_to_django = {f for f in formats_in_templates() if format_date(VALUES[2], f) is None}
    assert left_to_django == {"l j F Y, H:i e"}  # "e" (the zone's name) is Django's alone


@pytest.mark.parametrize("value", VALUES, ids=str)
@pytest.mark.parametrize("format_string", FORMATS)
def test_same_output_as_django(value, format_string):
    try:
        expected = django_date(value, format_string)
    except TypeError:
        with pytest.raises(TypeError):
            date(value, format_string)
        return
    assert date(value, format_string) == expected


@pytest.mark.parametrize("value", [None, "", "not a date", 3])
def test_other_values_as_django(value):
    assert date(value, "j F Y") == django_date(value, "j F Y")


def test_in_a_template_with_the_current_time_zone_and_language():
    moment = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    template = Template("{{ moment|date:'l j F Y, H:i T' }}|{{ moment|date:'Y-m-d\\TH:i:sO' }}")
    with timezone.override(PARIS):
        assert template.render(Context({"moment": moment})) == (
            "Friday 1 January 2027, 00:30 CET|2027-01-01T00:30:00+0100"
        )
    with translation.override("fr"), timezone.override(PARIS):
        assert template.render(Context({"moment": moment})).startswith("vendredi 1 janvier 2027")


def test_templates_use_this_filter():
    from django.template import engines

    libraries = engines["django"].engine.template_builtins
    assert [lib.filters["date"] for lib in libraries if "date" in lib.filters][-1] is date
