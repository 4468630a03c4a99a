"""The browse form's written-out widgets give exactly the HTML of Django's templates."""

import pytest
from django import forms

from listings import widgets

CHOICES = [
    ("", "All <industries>"),
    ("data", "Data & analysis"),
    ("design", 'Design "studio"'),
    (3, "Three"),
]
GROUPED = [("Remote & hybrid", [("remote", "Remote"), ("hybrid", "Hybrid")]), ("onsite", "On site")]


@pytest.mark.parametrize("choices", [CHOICES, GROUPED])
@pytest.mark.parametrize("value", [None, "", "data", ["design", 3], "hybrid"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_field", "class": "wide", "required": True}])
def test_each_widget_renders_what_djangos_templates_render(choices, value, attrs):
    pairs = [
        (forms.Select, widgets.Select),
        (forms.CheckboxSelectMultiple, widgets.CheckboxSelectMultiple),
    ]
    for django_widget, ours in pairs:
        expected = django_widget(choices=choices).render("field", value, attrs=attrs)
        assert ours(choices=choices).render("field", value, attrs=attrs) == expected


@pytest.mark.parametrize("value", [None, "", "data & <analysis>", 'say "hi"', 12, 7.5])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_q", "type": "search", "autocomplete": "off", "required": True, "min": 0}],
)
def test_the_text_and_number_boxes_render_what_djangos_templates_render(value, attrs):
    for django_widget, ours in [
        (forms.TextInput, widgets.TextInput),
        (forms.NumberInput, widgets.NumberInput),
    ]:
        expected = django_widget().render("field", value, attrs=attrs)
        assert ours().render("field", value, attrs=attrs) == expected


def test_the_browse_form_uses_the_written_out_widgets():
    from listings.filters import ListingFilter

    form = ListingFilter().form
    assert isinstance(form.fields["skills"].widget, widgets.CheckboxSelectMultiple)
    for name in ("industry", "location_type", "sort"):
        assert isinstance(form.fields[name].widget, widgets.Select), name
    assert isinstance(form.fields["q"].widget, widgets.TextInput)
    for name in ("min_rate", "max_hours"):
        assert isinstance(form.fields[name].widget, widgets.NumberInput), name
