from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_history import HistoryInline
from accounts.models import (
    Membership,
    Organization,
    OrganizationEvent,
    StudentProfile,
    User,
)
from accounts.sites import OrganizationScopedAdmin, employer_site


def run_transition(modeladmin, request, queryset, method: str, done: str) -> None:
    """Call `method(by=request.user)` on each selected row and report what happened."""
    succeeded, refused = 0, []
    for obj in queryset:
        try:
            getattr(obj, method)(by=request.user)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


# --- Career-center staff site (/staff/) ---------------------------------------------


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
    filter_horizontal = ["groups"]

    # Who is staff, superuser or in which group is for superusers to decide: otherwise
    # anyone allowed to edit users could raise their own access.
    access_fields = ["is_staff", "is_superuser", "groups"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.access_fields
        return fields

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


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = ["created_at", "status"]
    raw_id_fields = ["user"]


# Websites typed without a scheme are https (Django 6's default, chosen now).
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


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
    list_display = ["user", "organization", "role", "status", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["user__email", "organization__name"]
    raw_id_fields = ["user", "organization"]
    readonly_fields = ["status", "decided_at", "decided_by", "created_at"]
    list_select_related = ["user", "organization"]


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


# --- Employer site (/employer/) -------------------------------------------------------


@admin.register(Organization, site=employer_site)
class EmployerOrganizationAdmin(OrganizationScopedAdmin):
    """Members edit their organization's public profile; verification stays with staff."""

    organization_field = ""
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["name", "verification", "website"]
    fields = ["name", "website", "description", "logo", "verification"]
    readonly_fields = ["verification"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Membership, site=employer_site)
class EmployerMembershipAdmin(OrganizationScopedAdmin):
    """Owners let colleagues who asked to join in, or take people out."""

    list_display = ["user", "organization", "role", "status", "created_at"]
    list_filter = ["status"]
    fields = ["user", "organization", "role", "status", "created_at"]
    readonly_fields = fields
    actions = ["approve", "remove"]
    list_select_related = ["user", "organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        owned = Membership.objects.active().filter(user=request.user, role=Membership.Role.OWNER)
        if not owned.exists():
            actions.pop("approve", None)
            actions.pop("remove", None)
        return actions

    def _owned(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        owned_orgs = Membership.objects.active().filter(
            user=request.user, role=Membership.Role.OWNER
        )
        return queryset.filter(organization__in=owned_orgs.values("organization"))

    @admin.action(description="Let selected people join")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_transition(self, request, self._owned(request, queryset), "approve", "member(s) added")

    @admin.action(description="Remove selected people (or decline their request)")
    def remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_transition(
            self, request, self._owned(request, queryset), "remove", "membership(s) removed"
        )
