from __future__ import annotations

import re
from urllib.parse import urlsplit

from allauth.account.forms import SignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import Membership, Organization, StudentProfile, User

# A person's name reaches other people's inboxes (join requests) and public pages: it may
# not carry a link, an address or anything that reads like one.
NAME_MAX_LENGTH = 60
NAME_LINK_PATTERN = re.compile(
    r"(https?|ftp|www\.|://|[@/\\<>]|[a-z0-9-]+\.[a-z]{2,}\b)",
    re.IGNORECASE,
)


def validate_person_name(value: str) -> None:
    """Refuse names with links, addresses or domain names in them, and very long ones."""
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(f"Use at most {NAME_MAX_LENGTH} characters.")
    if NAME_LINK_PATTERN.search(value):
        raise ValidationError("Enter just your name: no web addresses, email addresses or slashes.")


def name_field(autocomplete: str) -> forms.CharField:
    return forms.CharField(
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


class NameFieldsMixin(forms.Form):
    first_name = name_field("given-name")
    last_name = name_field("family-name")


class StudentSignupForm(SignupForm):
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


class EmployerSignupForm(SignupForm):
    """Sign up as an employer: registers a pending organization, or asks to join a verified one.

    Nothing about the organization is said on the page that follows, so signing up with an
    address that already has an account looks the same as with a new one.
    """

    first_name = NameFieldsMixin.base_fields["first_name"]
    last_name = NameFieldsMixin.base_fields["last_name"]
    organization_name = forms.CharField(
        label="Organization name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        help_text=(
            "If your organization is verified on MicroIntern and you use your work email, "
            "we ask its owners to let you in once you confirm your address."
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
            # Only a verified organization whose owner confirmed an address at the domain
            # holds it; the request reaches its owners once this address is confirmed.
            existing = Organization.objects.for_email_domain(domain).first()
            if existing is not None:
                Membership.ask_to_join(user=user, organization=existing)
                self.organization, self.joined_existing = existing, True
            else:
                self.organization = Organization.register(
                    name=self.cleaned_data["organization_name"],
                    website=self.cleaned_data.get("website", ""),
                    email_domain=domain,
                    owner=user,
                )


# Portfolio addresses that could pass for the site itself or for its staff.
RESERVED_HANDLES = frozenset(
    (
        "about account accounts admin administrator api applications career-center careers "
        "contact edit employer employers feed files help home listings login logout me media "
        "microintern moderator new none notifications null official portfolio profile root "
        "security settings signup staff static student students support system undefined"
    ).split()
)
HANDLE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LINK_HOSTS = {
    "github_url": ("github.com", "GitHub", "https://github.com/your-name"),
    "linkedin_url": ("linkedin.com", "LinkedIn", "https://www.linkedin.com/in/your-name"),
}


def _profile_formfield(model_field, **kwargs):
    """Links typed without a scheme are https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class StudentProfileForm(forms.ModelForm):
    """A student's own profile: who they are, skills, links, résumé and public portfolio."""

    first_name = name_field("given-name")
    last_name = name_field("family-name")
    skills = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Employers see how many of their project's skills you have.",
    )
    # Not a model field on this form: the upload is checked by the model field's own
    # validators, and only a new file is checked (the stored one passed when it came in).
    resume = forms.FileField(
        label="Résumé (PDF)",
        required=False,
        validators=StudentProfile._meta.get_field("resume").validators,
        error_messages={"empty": "The file is empty. Choose your résumé as a PDF."},
        help_text=(
            "A PDF of at most 5 MB. Only the career center and organizations you apply to see it."
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    class Meta:
        model = StudentProfile
        fields = [
            "school",
            "program",
            "graduation_year",
            "bio",
            "portfolio_url",
            "github_url",
            "linkedin_url",
            "weekly_hours",
            "handle",
            "portfolio_public",
        ]
        formfield_callback = _profile_formfield
        labels = {"handle": "Portfolio address"}
        help_texts = {
            # Help text is rendered as HTML: no angle brackets here.
            "handle": "Your public portfolio lives at /students/your-address/. "
            "3 to 40 lowercase letters, numbers and hyphens.",
            "weekly_hours": "Between 1 and 60.",
        }
        widgets = {
            "school": forms.TextInput(attrs={"autocomplete": "organization"}),
            "bio": forms.Textarea(attrs={"rows": 5}),
            "portfolio_url": forms.URLInput(attrs={"autocomplete": "url"}),
            "handle": forms.TextInput(
                attrs={"autocapitalize": "none", "spellcheck": "false", "maxlength": 40}
            ),
        }
        error_messages = {
            "handle": {"unique": "Another student already uses this address. Choose another."},
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        # The browser's own hints; the clean_* methods below give the messages.
        self.fields["graduation_year"].widget.attrs.update(min=1950, max=2100)
        self.fields["weekly_hours"].widget.attrs.update(min=1, max=60)
        # Skills belong to listings, which accounts does not import: reach them by relation.
        skill_model = StudentProfile._meta.get_field("skills").related_model
        self.fields["skills"].queryset = skill_model.objects.order_by("name")
        if self.instance.pk and "skills" not in self.initial:
            self.initial["skills"] = [skill.pk for skill in self.instance.skills.all()]
        self.order_fields(
            [
                "first_name",
                "last_name",
                "school",
                "program",
                "graduation_year",
                "bio",
                "skills",
                "weekly_hours",
                "portfolio_url",
                "github_url",
                "linkedin_url",
                "resume",
                "handle",
                "portfolio_public",
            ]
        )

    def clean_graduation_year(self) -> int | None:
        year = self.cleaned_data.get("graduation_year")
        if year is not None and not 1950 <= year <= 2100:
            raise ValidationError("Enter a year between 1950 and 2100.")
        return year

    def clean_weekly_hours(self) -> int | None:
        hours = self.cleaned_data.get("weekly_hours")
        if hours is not None and not 1 <= hours <= 60:
            raise ValidationError("Enter a number of hours between 1 and 60.")
        return hours

    def _clean_link(self, name: str) -> str:
        url = self.cleaned_data.get(name) or ""
        if not url:
            return url
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise ValidationError("Enter a web address starting with https://.")
        if name in LINK_HOSTS:
            host, site, example = LINK_HOSTS[name]
            hostname = (parts.hostname or "").lower()
            if hostname != host and not hostname.endswith("." + host):
                raise ValidationError(f"Enter your {site} address, like {example}.")
        return url

    def clean_portfolio_url(self) -> str:
        return self._clean_link("portfolio_url")

    def clean_github_url(self) -> str:
        return self._clean_link("github_url")

    def clean_linkedin_url(self) -> str:
        return self._clean_link("linkedin_url")

    def clean_handle(self) -> str | None:
        handle = (self.cleaned_data.get("handle") or "").strip().lower()
        if not handle:
            return None
        if not 3 <= len(handle) <= 40 or not HANDLE_PATTERN.match(handle):
            raise ValidationError(
                "Use 3 to 40 lowercase letters, numbers and single hyphens, like ada-lovelace."
            )
        if handle in RESERVED_HANDLES:
            raise ValidationError(f"“{handle}” is reserved. Choose another address.")
        return handle

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("portfolio_public")
            and not cleaned.get("handle")
            and "handle" not in self.errors
        ):
            self.add_error(
                "handle",
                "Choose a portfolio address to make your portfolio public.",
            )
        return cleaned

    def save(self, commit: bool = True) -> StudentProfile:
        """Save the profile and its skills; a new résumé replaces the stored one.

        The résumé is stored only with commit=True, in the same transaction as the rest.
        """
        profile = super().save(commit=False)
        self.user.first_name = self.cleaned_data["first_name"]
        self.user.last_name = self.cleaned_data["last_name"]
        if commit:
            upload = self.cleaned_data.get("resume")
            with transaction.atomic():
                self.user.save(update_fields=["first_name", "last_name"])
                profile.save()
                self._save_m2m()
                if upload:
                    profile.replace_resume(upload)
        return profile

    def _save_m2m(self) -> None:
        super()._save_m2m()
        self.instance.skills.set(self.cleaned_data["skills"])
