from __future__ import annotations

from allauth.account.forms import SignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import Membership, Organization, StudentProfile, User


class EmailAlreadyUsedMixin:
    """Say plainly, next to the field, that an address already has an account."""

    def validate_unique_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise ValidationError(
                format_html(
                    'An account with this email already exists. <a href="{}">Sign in</a> '
                    'or <a href="{}">reset your password</a>.',
                    reverse("account_login"),
                    reverse("account_reset_password"),
                )
            )
        return super().validate_unique_email(value)


class NameFieldsMixin(forms.Form):
    first_name = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )


class StudentSignupForm(EmailAlreadyUsedMixin, SignupForm):
    """Sign up as a student: name, email, password and (optionally) school."""

    first_name = NameFieldsMixin.base_fields["first_name"]
    last_name = NameFieldsMixin.base_fields["last_name"]
    school = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional. You can add it later on your profile.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    field_order = ["first_name", "last_name", "email", "school", "password1", "password2"]

    def custom_signup(self, request, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])
        StudentProfile.objects.create(user=user, school=self.cleaned_data.get("school", ""))


class EmployerSignupForm(EmailAlreadyUsedMixin, SignupForm):
    """Sign up as an employer: creates a pending organization, or asks to join one."""

    first_name = NameFieldsMixin.base_fields["first_name"]
    last_name = NameFieldsMixin.base_fields["last_name"]
    organization_name = forms.CharField(
        label="Organization name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        help_text=(
            "If your organization is already on MicroIntern and you use your work email, "
            "we ask its owners to let you in instead."
        ),
    )
    website = forms.URLField(
        label="Organization website",
        required=False,
        assume_scheme="https",
        help_text="Optional, but it helps the career center verify you sooner.",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    field_order = [
        "first_name",
        "last_name",
        "email",
        "organization_name",
        "website",
        "password1",
        "password2",
    ]

    #: After saving: the organization and whether the person only asked to join it.
    organization: Organization | None = None
    joined_existing: bool = False

    def custom_signup(self, request, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])
        domain = user.email.rsplit("@", 1)[-1]
        with transaction.atomic():
            existing = Organization.objects.for_email_domain(domain).first()
            if existing is not None:
                Membership.request_to_join(user=user, organization=existing)
                self.organization, self.joined_existing = existing, True
            else:
                self.organization = Organization.register(
                    name=self.cleaned_data["organization_name"],
                    website=self.cleaned_data.get("website", ""),
                    email_domain=domain,
                    owner=user,
                )


class StudentProfileForm(forms.ModelForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    class Meta:
        model = StudentProfile
        fields = ["school", "program", "graduation_year", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.order_fields(
            ["first_name", "last_name", "school", "program", "graduation_year", "bio"]
        )

    def clean_graduation_year(self) -> int | None:
        year = self.cleaned_data.get("graduation_year")
        if year is not None and not 1950 <= year <= 2100:
            raise ValidationError("Enter a year between 1950 and 2100.")
        return year

    def save(self, commit: bool = True) -> StudentProfile:
        self.user.first_name = self.cleaned_data["first_name"]
        self.user.last_name = self.cleaned_data["last_name"]
        if commit:
            self.user.save(update_fields=["first_name", "last_name"])
        return super().save(commit=commit)
