"""Form widgets for the admin sites that work without JavaScript and pass WCAG 2.2 AA."""

from __future__ import annotations

from django import forms


class ChoicePicker(forms.CheckboxSelectMultiple):
    """Pick several of a few dozen choices (a listing's skills): a list of checkboxes.

    Without JavaScript every choice is a labelled checkbox; with it (static/js/choice-picker.js)
    a search box above the list narrows it to the choices whose name matches what is typed,
    keeping those already ticked in view. Unlike Django's two-list picker it needs no
    "Hold down Control" and sets no inline styles, which the site's security policy blocks.
    """

    template_name = "backoffice/widgets/choice_picker.html"

    def __init__(self, *, group_label: str, filter_label: str, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.group_label = group_label
        self.filter_label = filter_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(group_label=self.group_label, filter_label=self.filter_label)
        return context

    @property
    def media(self) -> forms.Media:
        return forms.Media(js=["js/choice-picker.js"])
