"""Student-side application forms: apply, submit work, feedback, testimonial switch."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateformat import format as format_date

from accounts.models import StudentProfile
from accounts.uploads import validate_resume
from applications.models import Application, Feedback
from listings.models import Listing

#: How many links a student may hand in with one submission.
MAX_WORK_LINKS = 10


class ApplyForm(forms.Form):
    """A pitch, the availability promise and, unless the profile has one, a résumé."""

    pitch = forms.CharField(
        label="Your pitch",
        max_length=Application._meta.get_field("pitch").max_length,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            "Why you, and how you would approach the deliverables. A few short paragraphs: "
            "mention similar work you have done and link to it if you can. At most 3,000 characters."
        ),
        error_messages={"required": "Write a short pitch: why you, and how you would do the work."},
    )
    availability_confirmed = forms.BooleanField(
        error_messages={"required": "Confirm that you can finish the work by the due date."},
    )
    resume = forms.FileField(
        label="Résumé (PDF)",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": "Choose your résumé as a PDF (at most 5 MB).",
            "empty": "The file is empty. Choose your résumé as a PDF.",
            "invalid": "No file was sent. Choose your résumé as a PDF again.",
        },
    )

    def __init__(self, *args, listing: Listing, profile: StudentProfile, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        due = format_date(listing.due_date, "l j F Y")
        availability = self.fields["availability_confirmed"]
        availability.label = f"I can finish the work by {due}"
        availability.help_text = (
            f"About {listing.estimated_hours} hours of work, due on {due}. "
            "Only apply if you can fit it in."
        )
        resume = self.fields["resume"]
        self.profile_has_resume = bool(profile.resume)
        if self.profile_has_resume:
            resume.required = False
            resume.label = "Send a different résumé (optional)"
            uploaded = profile.resume_uploaded_at
            on = f" (uploaded {format_date(uploaded, 'j F Y')})" if uploaded else ""
            resume.help_text = (
                f"We'll send the résumé from your profile{on}. To send another one for this "
                "project only, choose a PDF of at most 5 MB."
            )
        else:
            resume.help_text = (
                "A PDF of at most 5 MB. Only this organization and the career center see it. "
                "Add one to your profile to skip this step next time."
            )

    def clean_resume(self):
        upload = self.cleaned_data.get("resume")
        if upload:
            validate_resume(upload)
            return upload
        return None


class SubmitWorkForm(forms.Form):
    """Links to the deliverables, one per line, and a note."""

    links = forms.CharField(
        label="Links to your work",
        required=False,
        # Room for every link at the longest length a web address may have.
        max_length=MAX_WORK_LINKS * 2100,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=(
            "One link per line: a shared folder, a repository, a document. Make sure the "
            "organization can open them."
        ),
    )
    note = forms.CharField(
        label="Note for the organization",
        required=False,
        max_length=Application._meta.get_field("work_note").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you did, anything left open, and how to use what you hand over.",
    )

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("links", "").splitlines()]
        links = [line for line in lines if line]
        if len(links) > MAX_WORK_LINKS:
            raise ValidationError(
                f"Add at most {MAX_WORK_LINKS} links; a shared folder can hold more."
            )
        validate = URLValidator(schemes=["http", "https"])
        bad = []
        for link in links:
            try:
                validate(link)
            except ValidationError:
                bad.append(link)
        if bad:
            raise ValidationError(
                "These are not web addresses starting with https:// or http://: " + ", ".join(bad)
            )
        return links

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("links") and not cleaned.get("note", "").strip():
            raise ValidationError("Add at least one link to your work, or a note.")
        return cleaned


class FeedbackForm(forms.Form):
    """The student's rating of the experience (1–5) and a comment."""

    RATINGS = [
        (5, "5 — excellent"),
        (4, "4 — good"),
        (3, "3 — fair"),
        (2, "2 — poor"),
        (1, "1 — very poor"),
    ]

    rating = forms.TypedChoiceField(
        label="How was the experience?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5."},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=Feedback._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "What went well and what could be better. The career center reads it; the "
            "organization only ever sees an average of several students' ratings."
        ),
    )


class TestimonialForm(forms.Form):
    """Show or hide the employer's testimonial on the student's public portfolio."""

    public = forms.TypedChoiceField(
        choices=[("1", "Show"), ("0", "Hide")],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )


class PaymentMissingForm(forms.Form):
    """The student says the payment has not arrived, with a word for the organization."""

    note = forms.CharField(
        label="Anything the organization should know (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example which account you expected it on. Sent to the organization.",
    )
