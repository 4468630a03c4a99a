"""Forms used by the listing back office in the employer and staff admin sites."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from listings.models import Listing, ListingEvent


class MultilineTextField(forms.CharField):
    """A text field that treats the browser's CRLF line endings as plain newlines.

    Browsers send textarea content with "\\r\\n"; without this, an untouched description
    would count as changed, and a harmless edit of a published listing would send it
    back to review.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


TEXT_FIELDS = ["description", "deliverables", "pay_justification", "also_provided", "eligibility"]


class EmployerListingForm(forms.ModelForm):
    """An organization's listing: every field the employer may write, nothing else.

    The admin sets two class attributes on the form it builds for each request:
    `submitting` (the "Submit for review" button was pressed) and
    `default_organization` (the member's only organization, for new listings).
    """

    submitting = False
    default_organization = None

    class Meta:
        model = Listing
        # Every field the employer writes is material: changing one after publication sends
        # the listing back to review (Listing.record_edit).
        fields = ["organization", *Listing.MATERIAL_FIELDS]
        field_classes = dict.fromkeys(TEXT_FIELDS, MultilineTextField)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.was_published = self.instance.pk and self.instance.status == Listing.Status.PUBLISHED
        if self.default_organization is not None and not self.instance.organization_id:
            self.instance.organization = self.default_organization
        floor = settings.MIN_HOURLY_RATE
        if "fee" in self.fields:
            self.fields["fee"].help_text = (
                "The fixed amount paid for the whole project. Unpaid listings are not accepted. "
                f"Divided by the estimated hours it should come to at least {floor} an hour "
                "(in the listing's currency)."
            )
        if "pay_justification" in self.fields:
            self.fields["pay_justification"].help_text = (
                f"Only needed when the pay works out below {floor} an hour: say why the pay "
                "is fair (for example, a stipend set by a grant). The career center reads it."
            )

    def clean_openings(self):
        openings = self.cleaned_data["openings"]
        taken = self.instance.openings_taken() if self.instance.pk else 0
        if openings is not None and openings < taken:
            raise forms.ValidationError(
                f"{taken} student{'s have' if taken != 1 else ' has'} an offer or a place on "
                f"this project already, so it needs at least {taken} opening"
                f"{'s' if taken != 1 else ''}. To have fewer, wait for an offer to be "
                "answered or to expire first."
            )
        return openings

    def clean(self):
        cleaned = super().clean()
        deadline = cleaned.get("application_deadline")
        due_date = cleaned.get("due_date")
        if deadline and due_date and due_date < deadline:
            self.add_error(
                "due_date", "The project due date must be on or after the application deadline."
            )
        if (
            deadline
            and deadline < timezone.localdate()
            and ("application_deadline" in self.changed_data or not self.instance.pk)
        ):
            self.add_error(
                "application_deadline",
                "The application deadline has passed; choose a date from today on.",
            )
        if deadline:
            candidate = Listing(application_deadline=deadline, due_date=due_date)
            for field, messages in candidate.date_range_errors().items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def material_changes(self) -> list[str]:
        """The changed fields that send a published listing back to review."""
        return [name for name in Listing.MATERIAL_FIELDS if name in self.changed_data]

    def _post_clean(self):
        super()._post_clean()
        # Submitting, or materially editing a published listing, goes to review: the
        # submission rules (paid, pay floor, deadline) are checked here so that their
        # messages appear at the fields and the typed data stays in the form.
        if self.submitting or (self.was_published and self.material_changes()):
            self._check_submittable()

    def _check_submittable(self) -> None:
        if not self.instance.organization_id:
            return  # The organization field already carries its own error.
        self.instance.hourly_rate = self.instance.compute_hourly_rate()
        try:
            self.instance.check_submittable()
        except ValidationError as error:
            already = {field for field in self.errors if field != "__all__"}
            for field, messages in error.message_dict.items():
                if field in already:
                    continue  # Its own error (say, an invalid number) says enough.
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)


class TransitionForm(forms.Form):
    """The reason and comment staff or employers give when they change a listing's state."""

    required_css_class = "required"

    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason"), *ListingEvent.Reason.choices],
        help_text="Recorded in the listing's history and shown to the organization.",
    )
    note = MultilineTextField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        max_length=2000,
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        if step.reason:
            self.fields["reason"].required = step.reason_required
        else:
            del self.fields["reason"]
        note = self.fields["note"]
        note.label = step.text_label
        note.required = step.text_required
        note.help_text = step.text_help
