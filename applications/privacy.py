"""A student's own data: download all of it as JSON, or delete the account.

Deleting keeps what organizations and the career center need for their records (each
application's status history and dates, ratings) under an anonymous placeholder person,
and removes everything that identifies the student: name, email, profile, résumé files,
the pitch and notes they wrote, saved listings and searches, notifications, the private
calendar address.
"""

from __future__ import annotations

import json
import uuid

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import FormView, View
from django_ratelimit.core import is_ratelimited

from accounts.models import StudentProfile
from applications.models import Application, ApplicationEvent, CalendarFeed, Feedback
from listings.models import ListingReport, SavedListing
from notifications.models import Notification, NotificationPreference
from searches.models import SavedSearch

#: What replaces the student's own words in the records organizations keep.
REMOVED = "(removed at the student's request)"
#: Placeholders stand in for deleted students; `.invalid` can never receive mail (RFC 2606).
PLACEHOLDER_DOMAIN = "deleted.invalid"
#: Attempts allowed on the deletion page (django-ratelimit rate, per account).
DELETE_ATTEMPT_RATE = "5/15m"


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _profile(user) -> StudentProfile:
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist as missing:
        raise Http404("Only student accounts have data to download or delete here.") from missing


# --- Export ----------------------------------------------------------------------------------


def _application_data(application: Application) -> dict:
    organization = application.listing.organization.name
    return {
        "listing": {
            "title": application.listing.title,
            "organization": organization,
            "address": application.listing.get_absolute_url(),
        },
        "status": application.status,
        "status_label": application.get_status_display(),
        "pitch": application.pitch,
        "availability_confirmed": application.availability_confirmed,
        "resume_sent": bool(application.resume),
        "work_links": application.work_links,
        "work_note": application.work_note,
        "message_from_organization": application.employer_message,
        "dates": {
            name: _when(getattr(application, name))
            for name in ("created_at", *Application.DECISION_DATES)
        },
        # Who acted is said the way the student's own pages say it: "You", the
        # organization's name, or MicroIntern; never a staff member or an employee.
        "history": [
            {
                "at": _when(event.created_at),
                "from": event.from_status,
                "to": event.to_status,
                "by": event.actor_for_student(application),
                "note": event.note,
            }
            for event in application.events.all()
        ],
        "feedback": [
            {
                "from": "You" if item.author_role == Feedback.Author.STUDENT else organization,
                "rating": item.rating,
                "comment": item.comment,
                "shown_on_portfolio": item.public,
                "at": _when(item.created_at),
            }
            for item in application.feedback.all()
        ],
        # The conversation with the organization (messaging, through its related name).
        "conversation": [
            {
                "at": _when(message.created_at),
                "from": "You" if message.author_id == application.student_id else organization,
                "text": message.body,
            }
            for message in application.messages.all()
        ],
    }


def student_data(user) -> dict:
    """Everything MicroIntern holds about this student, as plain JSON-ready data."""
    profile = _profile(user)
    applications = (
        Application.objects.for_student(user)
        .select_related("listing__organization")
        .prefetch_related("events", "feedback", "messages")
        .order_by("created_at", "pk")
    )
    saved = (
        SavedListing.objects.filter(user=user)
        .select_related("listing__organization")
        .order_by("created_at", "pk")
    )
    return {
        "format": "MicroIntern personal data export, version 1",
        "exported_at": _when(timezone.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "joined": _when(user.date_joined),
            "last_sign_in": _when(user.last_login),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "profile": {
            "school": profile.school,
            "program": profile.program,
            "graduation_year": profile.graduation_year,
            "bio": profile.bio,
            "weekly_hours": profile.weekly_hours,
            "portfolio_url": profile.portfolio_url,
            "github_url": profile.github_url,
            "linkedin_url": profile.linkedin_url,
            "portfolio_address": profile.handle,
            "portfolio_public": profile.portfolio_public,
            "skills": sorted(skill.name for skill in profile.skills.all()),
            # The file itself downloads from the profile page.
            "resume": (
                {
                    "uploaded_at": _when(profile.resume_uploaded_at),
                    "download": reverse("documents:profile_resume", kwargs={"pk": profile.pk}),
                }
                if profile.resume
                else None
            ),
        },
        "saved_listings": [
            {
                "title": item.listing.title,
                "organization": item.listing.organization.name,
                "address": item.listing.get_absolute_url(),
                "saved_at": _when(item.created_at),
            }
            for item in saved
        ],
        "saved_searches": [
            {
                "search": search.description,
                "query": search.query,
                "frequency": search.frequency,
                "alerts_paused": search.paused,
                "created_at": _when(search.created_at),
            }
            for search in SavedSearch.objects.for_user(user).order_by("created_at", "pk")
        ],
        "applications": [_application_data(application) for application in applications],
        "listing_reports": [
            {
                "listing": report.listing.title,
                "reason": report.reason,
                "details": report.details,
                "status": report.status,
                "created_at": _when(report.created_at),
            }
            for report in ListingReport.objects.filter(reporter=user)
            .select_related("listing")
            .order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "subject": item.subject,
                "text": item.body_text,
                "category": item.category,
                "link": item.link,
                "created_at": _when(item.created_at),
                "read_at": _when(item.read_at),
            }
            for item in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
        ],
        "email_preferences": {
            preference.category: preference.email_enabled
            for preference in NotificationPreference.objects.filter(user=user)
        },
        # The private address that calendar apps read the student's deadlines from.
        "calendar_address": next(
            (
                {
                    "address": feed.get_absolute_url(),
                    "created_at": _when(feed.created_at),
                    "reset_at": _when(feed.reset_at),
                }
                for feed in CalendarFeed.objects.filter(user=user)
            ),
            None,
        ),
    }


class StudentDataExportView(LoginRequiredMixin, View):
    """GET: the signed-in student's data as a JSON download."""

    def get(self, request: HttpRequest) -> HttpResponse:
        data = student_data(request.user)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="microintern-data-{stamp}.json"'
        add_never_cache_headers(response)
        return response


# --- Deletion ------------------------------------------------------------------------------


def _placeholder():
    """A new inactive, nameless person who keeps one deleted student's records.

    One per deleted student, not one for all: an application is unique per listing and
    student, and two deleted students may have applied to the same listing.
    """
    user = get_user_model()(
        email=f"deleted-{uuid.uuid4().hex}@{PLACEHOLDER_DOMAIN}",
        first_name="Deleted",
        last_name="student",
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def delete_student_account(user) -> None:
    """Delete a student's account; organizations keep anonymized applications.

    Application rows, their status history and dates, and ratings stay for the
    organizations' and the career center's records, under an anonymous placeholder.
    The student's own words there are replaced by REMOVED; résumé files leave storage
    once the deletion is committed. Applications still open end first: withdrawn before
    acceptance, ended during an engagement, each organization told; emails still waiting
    to be sent to the student are cancelled.
    """
    profile = _profile(user)
    files: list[tuple] = []
    with transaction.atomic():
        placeholder = _placeholder()
        applications = list(Application.objects.select_for_update().filter(student=user))
        for application in applications:
            if application.resume:
                files.append((application.resume.storage, application.resume.name))
            application.student = placeholder
            application.resume = ""
            application.pitch = REMOVED
            application.work_note = REMOVED if application.work_note else ""
            application.work_links = []
            application.save(
                update_fields=["student", "resume", "pitch", "work_note", "work_links"]
            )
            # The organization hears that an applicant withdrew, without a name.
            if application.status in Application.PRE_ACCEPTANCE:
                application.withdraw(by=placeholder)
            elif application.status in Application.IN_PROGRESS:
                application.leave(by=placeholder)
        ApplicationEvent.objects.filter(application__in=applications, actor=user).exclude(
            note=""
        ).update(note=REMOVED)
        ApplicationEvent.objects.filter(application__in=applications, actor=user).update(
            actor=placeholder
        )
        # The student's rating stays in the organization's average; the words go.
        Feedback.objects.filter(author=user).exclude(comment="").update(comment=REMOVED)
        Feedback.objects.filter(author=user).update(author=placeholder)
        Feedback.objects.filter(
            application__in=applications, author_role=Feedback.Author.EMPLOYER
        ).update(public=False)
        # Their messages stay in the organization's conversation; the words go.
        conversation = Application._meta.get_field("messages").related_model
        conversation.objects.filter(application__in=applications, author=user).update(body=REMOVED)
        # Reports stay with the listing's moderation history.
        ListingReport.objects.filter(reporter=user).exclude(details="").update(details=REMOVED)
        ListingReport.objects.filter(reporter=user).update(reporter=placeholder)
        if profile.resume:
            files.append((profile.resume.storage, profile.resume.name))
        # Emails not sent yet to the student are cancelled (their address is going away).
        Notification.objects.pending().filter(
            Q(recipient__in=[user, placeholder]) | Q(to_email__iexact=user.email)
        ).delete()
        # Cascades: profile and skills, saved listings and searches, notifications,
        # preferences, email addresses, memberships.
        user.delete()

        def remove_files() -> None:
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for its password again."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your password. Your account is unchanged.")
        return password


class AccountDeleteView(LoginRequiredMixin, FormView):
    """The student confirms with their password, then the account is deleted."""

    form_class = AccountDeleteForm
    template_name = "applications/privacy/account_delete.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            _profile(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs) -> dict:
        user = self.request.user
        kept = Application.objects.for_student(user).count()
        return super().get_context_data(applications_kept=kept, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Every attempt counts, so a stolen session cannot guess the password at leisure.
        if is_ratelimited(
            request, group="account_delete", key="user", rate=DELETE_ATTEMPT_RATE, increment=True
        ):
            # The password is not even checked: a blank form and the reason.
            form = self.form_class(user=request.user)
            context = self.get_context_data(form=form, rate_limited=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AccountDeleteForm) -> HttpResponse:
        delete_student_account(self.request.user)
        logout(self.request)
        messages.success(
            self.request,
            "Your account is deleted. Organizations you applied to keep an anonymous record "
            "of those applications; nothing else about you remains.",
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
