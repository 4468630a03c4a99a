"""The dashboard's period and industry filter, and the export request built on it."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from listings.models import Industry
from reports.models import Export
from reports.queries import Period, data_years

PRESETS = [
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("365", "Last 365 days"),
    ("custom", "Custom dates"),
]
DEFAULT_PRESET = "30"
#: The longest custom period: three years of weekly points is already a dense chart.
MAX_DAYS = 3 * 366


class ReportFilterForm(forms.Form):
    """Which days and which industry the dashboard and the exports cover."""

    period = forms.ChoiceField(
        label="Period", choices=PRESETS, required=False, initial=DEFAULT_PRESET
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="With “Custom dates”: the first day included.",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="With “Custom dates”: the last day included.",
    )
    industry = forms.ModelChoiceField(
        label="Industry",
        queryset=Industry.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All industries",
    )

    def clean(self) -> dict:
        data = super().clean()
        preset = data.get("period") or DEFAULT_PRESET
        data["period"] = preset
        if preset != "custom":
            return data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if not date_from and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the first day of the period.")
        if not date_to and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the last day of the period.")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", "The last day must be on or after the first day.")
            elif (date_to - date_from).days + 1 > MAX_DAYS:
                self.add_error(
                    "date_to",
                    f"Choose a period of at most {MAX_DAYS} days, or export several periods.",
                )
            else:
                self._check_within_data_years(date_from, date_to)
        return data

    def _check_within_data_years(self, date_from: datetime.date, date_to: datetime.date) -> None:
        first, last = data_years()
        message = (
            f"Choose a day from {first:%-d %b %Y} to {last:%-d %b %Y}: "
            "MicroIntern has no figures outside those years."
        )
        if not first <= date_from <= last:
            self.add_error("date_from", message)
        if not first <= date_to <= last:
            self.add_error("date_to", message)

    def get_period(self, *, today: datetime.date | None = None) -> Period:
        """The chosen period (the last 30 days when nothing was chosen); call after is_valid()."""
        today = today or timezone.localdate()
        if not self.is_bound:
            return Period.last_days(int(DEFAULT_PRESET), today=today)
        data = self.cleaned_data
        if data["period"] == "custom":
            return Period(
                date_from=data["date_from"],
                date_to=data["date_to"],
                industry=data.get("industry"),
                preset="custom",
            )
        return Period.last_days(int(data["period"]), industry=data.get("industry"), today=today)


class ExportForm(ReportFilterForm):
    """An export of one kind for the dashboard's period, with or without student emails."""

    kind = forms.ChoiceField(
        label="What to export",
        choices=Export.Kind.choices,
        widget=forms.RadioSelect,
    )
    include_emails = forms.BooleanField(
        label="Include student emails",
        required=False,
        help_text="Only for applications and feedback. Your choice is recorded in the export log.",
    )

    def __init__(self, *args, **kwargs) -> None:
        # It shares the page with the filter form: ids of its own, and the period carried in
        # hidden fields that need no help text (hidden inputs take no aria-* attributes).
        kwargs.setdefault("auto_id", "id_export_%s")
        super().__init__(*args, **kwargs)
        for name in ("period", "date_from", "date_to", "industry"):
            self.fields[name].help_text = ""
