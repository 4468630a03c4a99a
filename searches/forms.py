"""The forms of saved searches: saving the browse page's search, changing its frequency."""

from __future__ import annotations

from django import forms

from searches.models import SavedSearch


class SavedSearchForm(forms.Form):
    """The “Save this search” form: the browse page's query string and how often to email."""

    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    frequency = forms.ChoiceField(
        label="Email me new matches",
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.DAILY,
        widget=forms.RadioSelect,
    )


class FrequencyForm(forms.Form):
    """Changing how often one saved search is emailed."""

    frequency = forms.ChoiceField(choices=SavedSearch.Frequency.choices)
