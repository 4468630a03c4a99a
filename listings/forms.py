"""Forms for the student-facing listing pages (the search form lives in filters.py)."""

from __future__ import annotations

from django import forms

from listings.models import ListingReport


class ListingReportForm(forms.ModelForm):
    """What is wrong with a listing, in the reporter's words."""

    reason = forms.ChoiceField(
        label="What is wrong with this listing?",
        choices=ListingReport.Reason.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ListingReport
        fields = ["reason", "details"]
        labels = {"details": "Details"}
        help_texts = {
            "details": "Optional. What did you see? Quote the wording or describe what you were asked to do."
        }
        widgets = {"details": forms.Textarea(attrs={"rows": 5})}


class SaveListingForm(forms.Form):
    """Save or unsave: the action is explicit, so sending the form twice changes nothing."""

    SAVE = "save"
    UNSAVE = "unsave"

    action = forms.ChoiceField(choices=[(SAVE, "Save"), (UNSAVE, "Unsave")])
    next = forms.CharField(required=False, max_length=2000)
