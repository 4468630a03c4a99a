"""The organization's own pages in the employer site (/employer/): its profile and its people."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin.common import URL_FIELDS_ASSUME_HTTPS, MembershipEventInline
from accounts.models import Membership, Organization
from accounts.sites import OrganizationScopedAdmin, employer_site
from backoffice.history import EmployerHistoryMixin
from backoffice.steps import run_transition


@admin.register(Organization, site=employer_site)
class EmployerOrganizationAdmin(OrganizationScopedAdmin):
    """Owners edit their organization's public profile; members read it; staff verify it."""

    organization_field = ""
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["name", "verification", "website"]
    fields = ["name", "website", "description", "logo", "verification"]
    readonly_fields = ["verification"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """Only owners change the organization's details; members see them read-only."""
        if not self.admin_site.has_permission(request):
            return False
        if obj is None:
            return True
        return obj.can_edit_details(request.user)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.is_verified and "name" in form.base_fields:
            notice = (
                "Changing the name or the website sends your organization back to the "
                "career center for verification: until they verify it again, it shows no "
                "verified badge and new listings wait."
            )
            for field in Organization.IDENTITY_FIELDS:
                form.base_fields[field].help_text = notice
        return form

    def save_model(self, request: HttpRequest, obj: Organization, form, change: bool) -> None:
        if obj.save_details(by=request.user):
            self.message_user(
                request,
                f"{obj.name} has a new name or website, so it is pending verification again. "
                "The career center has been told and will check it again.",
                messages.WARNING,
            )


class EmployerMembershipEventInline(EmployerHistoryMixin, MembershipEventInline):
    """A membership's history, as its organization sees it."""


@admin.register(Membership, site=employer_site)
class EmployerMembershipAdmin(OrganizationScopedAdmin):
    """Owners let colleagues who asked to join in, or take people out."""

    list_display = ["user", "organization", "role", "status", "created_at"]
    list_filter = ["status"]
    fields = ["user", "organization", "role", "status", "created_at"]
    readonly_fields = fields
    actions = ["approve", "remove"]
    list_select_related = ["user", "organization"]
    inlines = [EmployerMembershipEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A request shows once its sender confirmed their address.
        return super().get_queryset(request).visible_to_owners()

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
