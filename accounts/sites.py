"""The two admin sites: /staff/ for the career center, /employer/ for organizations."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.todo import overview_for, todo_for


def remember_on_request(request: HttpRequest, name: str, check) -> bool:
    """An admin page asks for permission dozens of times; the answer holds for the request."""
    if not hasattr(request, name):
        setattr(request, name, bool(check()))
    return getattr(request, name)


class SiteLoginMixin:
    """Send people to the site's one sign-in page instead of the admin's own login form.

    The admin's form accepts only `is_staff` users, so employers could never sign in
    through it, and it would skip the sign-in page's rate limits and email verification.
    Who may enter is the user property named by `entry_flag`.
    """

    entry_flag = ""

    def has_permission(self, request: HttpRequest) -> bool:
        """The user's `entry_flag` property, asked once a request."""
        return remember_on_request(
            request,
            f"_{self.name}_site_permission",
            lambda: getattr(request.user, self.entry_flag, False),
        )

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The home page says first what is waiting for this person (backoffice.todo)."""
        extra_context = {
            "todo": todo_for(self.name, request),
            "overview": overview_for(self.name, request),
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(index)
            # Signed in but not allowed here: another sign-in form would not help.
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = index
        return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))


class StaffAdminSite(SiteLoginMixin, admin.AdminSite):
    """The career center's back office: moderation, verification, reports, users."""

    site_header = "MicroIntern career center"
    site_title = "MicroIntern career center"
    index_title = "Career center"
    #: Staff flag, plus the Career center group unless superuser.
    entry_flag = "is_career_staff"


class EmployerAdminSite(SiteLoginMixin, admin.AdminSite):
    """Where members of an organization post listings and review their applicants."""

    site_header = "MicroIntern for employers"
    site_title = "MicroIntern for employers"
    index_title = "Your organization"
    site_url = "/"
    #: Only active members of an organization that is not suspended.
    entry_flag = "is_employer"

    def get_urls(self):
        # The admin's /r/<content type>/<id>/ shortcut redirects to any object's public
        # address without the organization scoping; employers reach pages through lists.
        return [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]


employer_site = EmployerAdminSite(name="employer")


class OrganizationScopedAdmin(admin.ModelAdmin):
    """An employer-site ModelAdmin that only ever shows the member's organizations' rows.

    `organization_field` is the lookup path from the model to its Organization
    ("" for Organization itself, "organization" or "listing__organization" for others).
    Querysets, foreign-key choices and therefore actions and autocomplete are scoped.
    Employers do not need Django model permissions: membership is the permission.
    """

    organization_field = "organization"

    def view_on_site(self, obj) -> str | None:
        """Link straight to the object's page (the site has no /r/ shortcut to scope)."""
        get_url = getattr(obj, "get_absolute_url", None)
        return get_url() if get_url else None

    def organizations(self, request: HttpRequest):
        return request.user.employer_organizations()

    def scope(self, queryset: QuerySet, request: HttpRequest) -> QuerySet:
        lookup = f"{self.organization_field}__in" if self.organization_field else "pk__in"
        scoped = queryset.filter(**{lookup: self.organizations(request)})
        # Along foreign keys a row matches once: DISTINCT would only make PostgreSQL sort
        # every scoped row (a changelist's page, its count) to find no duplicate.
        if lookup_spawns_duplicates(queryset.model._meta, lookup):
            scoped = scoped.distinct()
        return scoped

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from accounts.models import Organization

        if db_field.related_model is Organization:
            kwargs["queryset"] = self.organizations(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Membership in the organization grants these; the querysets above do the scoping.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
