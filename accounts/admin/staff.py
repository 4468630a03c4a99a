"""Accounts in the career center's site (/staff/): users, organizations, memberships, profiles."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.adapters import send_password_reset_link
from accounts.admin.common import URL_FIELDS_ASSUME_HTTPS, MembershipEventInline
from accounts.models import Membership, Organization, OrganizationEvent, StudentProfile, User
from backoffice.history import HistoryInline, ReadOnlyInline
from backoffice.steps import run_transition
from backoffice.widgets import ChoicePicker


class StaffUserCreationForm(forms.ModelForm):
    """A new account by its address only: the person chooses a password from the emailed link."""

    class Meta:
        model = User
        fields = ["email"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = ChoicePicker(group_label="Groups", filter_label="Find a group")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Who is staff, superuser or in which group is for superusers to decide: otherwise
    # anyone allowed to edit users could raise their own access.
    access_fields = ["is_staff", "is_superuser", "groups"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.access_fields
            if obj is not None:
                # The address is where reset links go: changing it would hand staff the
                # account as surely as setting its password.
                fields.append("email")
        return fields

    actions = ["send_password_reset_link"]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        if obj is None:
            # Staff add an account by its address; the person chooses their own password.
            return [(None, {"classes": ["wide"], "fields": ["email"]})]
        # Passwords are set by their owners only: no hash, no "set password" link.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = StaffUserCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and not obj.has_usable_password():
            send_password_reset_link(request, obj)
            self.message_user(
                request,
                f"We emailed {obj.email} a link to choose a password.",
                messages.SUCCESS,
            )

    def user_change_password(self, request: HttpRequest, id, form_url=""):
        """Only superusers set a password here; staff send a reset link instead."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Send a password reset link", permissions=["view"])
    def send_password_reset_link(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent = []
        for user in queryset:
            if user.is_superuser and not request.user.is_superuser:
                continue
            if send_password_reset_link(request, user):
                self.log_change(request, user, "Sent a password reset link.")
                sent.append(user.email)
        if sent:
            self.message_user(
                request,
                f"Password reset link sent to {', '.join(sent)}. "
                "The link lets them choose a new password; you never see it.",
                messages.SUCCESS,
            )
        if len(sent) < len(queryset):
            self.message_user(
                request,
                "Deactivated accounts and superusers get no link from here.",
                messages.WARNING,
            )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """Only superusers change a superuser's account (and so its password)."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class OrganizationEventInline(HistoryInline):
    """An organization's verification history: who changed it, from what to what, and why."""

    model = OrganizationEvent
    status_choices = Organization.Verification
    fields = ["created_at", "actor_name", "from_label", "to_label", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]


class MembershipInline(ReadOnlyInline):
    """An organization's people, for reference: memberships change through their own steps."""

    model = Membership
    fk_name = "organization"
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["name", "verification", "email_domain", "website", "created_at"]
    list_filter = ["verification"]
    search_fields = ["name", "email_domain", "website"]
    readonly_fields = ["verification", "verified_at", "verified_by", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "slug",
        "website",
        "email_domain",
        "description",
        "logo",
        "verification",
        "verified_at",
        "verified_by",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipInline, OrganizationEventInline]
    actions = ["verify", "suspend", "reinstate"]

    @admin.action(description="Verify selected organizations")
    def verify(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_transition(self, request, queryset, "verify", "organization(s) verified")

    @admin.action(description="Suspend selected organizations")
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_transition(self, request, queryset, "suspend", "organization(s) suspended")

    @admin.action(description="Reinstate selected organizations")
    def reinstate(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_transition(self, request, queryset, "reinstate", "organization(s) reinstated")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are the organizations' to decide: career-center staff read them only.

    Staff who could add an active owner (themselves included) could act in /employer/ and
    approve their own listings; only superusers add or change memberships here, and every
    change writes an event.
    """

    list_display = ["user", "organization", "role", "status", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["user__email", "organization__name"]
    raw_id_fields = ["user", "organization"]
    readonly_fields = ["status", "decided_at", "decided_by", "created_at"]
    list_select_related = ["user", "organization"]
    inlines = [MembershipEventInline]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # A membership stays one person's place in one organization.
            fields += ["user", "organization"]
        return fields

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                obj.record(by=request.user, from_status="", note="Added in the staff site.")
            elif "role" in form.changed_data:
                obj.record(
                    by=request.user,
                    from_status=obj.status,
                    note=f"Role changed from {form.initial.get('role')} to {obj.role}.",
                )


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "program", "graduation_year", "created_at"]
    search_fields = ["user__email", "school", "program"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    # Private storage has no file URLs: the résumé leaves through the checked download view.
    exclude = ["resume"]
    readonly_fields = ["resume_file"]

    @admin.display(description="résumé (PDF)")
    def resume_file(self, profile: StudentProfile) -> str:
        if not profile.resume:
            return "No résumé uploaded."
        url = reverse("documents:profile_resume", kwargs={"pk": profile.pk})
        return format_html('<a href="{}">Download the résumé (PDF)</a>', url)
