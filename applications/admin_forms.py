"""Forms used when employers review applicants in the employer admin site."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from listings.admin_forms import MultilineTextField


class ApplicationStepForm(forms.Form):
    """The words an employer adds to a decision: a message, a revision note or a reason."""

    required_css_class = "required"

    text = MultilineTextField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        max_length=3000,
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.label = step.text_label
        text.required = step.text_required
        text.help_text = step.text_help
        text.initial = step.text_initial


class EmployerFeedbackForm(forms.Form):
    """The organization's rating of the student and its testimonial."""

    required_css_class = "required"

    rating = forms.TypedChoiceField(
        label="Rating",
        choices=[(n, f"{n} of 5") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="5 is excellent work, 1 is poor.",
    )
    comment = MultilineTextField(
        label="Testimonial",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=(
            "A few sentences about the student's work. The student chooses whether to show "
            "it on their public portfolio."
        ),
    )


class RecordPaymentForm(forms.Form):
    """When the organization paid the student, how much, and the reference on the transfer."""

    required_css_class = "required"

    paid_on = forms.DateField(
        label="Paid on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day the money was sent.",
    )
    amount = forms.DecimalField(
        label="Amount paid",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text="In the listing's currency; usually its fee.",
    )
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=100,
        help_text="Optional: the reference of the transfer or invoice, so the student can find it.",
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
