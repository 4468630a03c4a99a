"""The permission matrix: who gets what at every URL of the site, /staff/ and /employer/ included.

`TABLE` has one row per (URL name, objects, method) with the expected outcome for each of
the seven roles, in the order of `ROLES`. Path parameters name objects of the `world`
built for the test (`W.application.pk`): each belongs to `student` or to `employer`'s
organization, so the same row tests the owner and every stranger. Outcomes:

- 200, 400, 403, 404, 405: that status code;
- LOGIN: a redirect to the sign-in page (directly, or through an admin site's login URL);
- MISSING: an admin site's "doesn't exist" redirect to its index (its way of saying 404);
- "302 /path/": a redirect to that path.

Every named URL pattern must have at least one row (`test_every_url_is_in_the_table`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from applications.models import Application, CalendarFeed, Feedback
from listings.models import ListingReport
from messaging.models import CheckIn, Message, MessageReport
from notifications.outbox import queue_email
from notifications.tokens import unsubscribe_token
from reports.models import Export
from searches.models import SavedSearch
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    ListingFactory,
    SkillFactory,
    StaffFactory,
)

ROLES = (
    "visitor",
    "student",
    "other_student",
    "employer",
    "other_employer",
    "suspended_employer",
    "staff",
)
LOGIN = "login"
MISSING = "missing"
GET, POST = "GET", "POST"
SIGN_IN_PATHS = {"/accounts/login/", "/staff/login/", "/employer/login/"}
ADMIN_INDEXES = {"admin": "/staff/", "employer": "/employer/"}

# Patterns the admin sites add without a name: the old object address that redirects to
# the change page, and the catch-all that makes unknown admin addresses a 404 after login.
UNNAMED_ADMIN_VIEWS = {"RedirectView", "catch_all_view"}


class _Ref:
    """W.application.pk: a path into the world, resolved when the test runs."""

    def __init__(self, path: tuple[str, ...] = ()) -> None:
        self._path = path

    def __getattr__(self, name: str) -> _Ref:
        return _Ref((*self._path, name))

    def resolve(self, world: SimpleNamespace):
        value = world
        for name in self._path:
            value = getattr(value, name)
        return value

    def __repr__(self) -> str:
        return "W." + ".".join(self._path)


W = _Ref()


@dataclass(frozen=True)
class Row:
    name: str
    kwargs: dict
    method: str
    expected: tuple
    data: dict = field(default_factory=dict)
    #: World attribute whose text must never show on a refusal (403, 404, missing).
    secret: str = ""

    def url(self, world: SimpleNamespace) -> str:
        kwargs = {
            key: value.resolve(world) if isinstance(value, _Ref) else value
            for key, value in self.kwargs.items()
        }
        return reverse(self.name, kwargs=kwargs)

    def data_for(self, world: SimpleNamespace) -> dict:
        return {
            key: value.resolve(world) if isinstance(value, _Ref) else value
            for key, value in self.data.items()
        }

    @property
    def label(self) -> str:
        args = ",".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.method} {self.name}({args})"


#: Where signing in takes each signed-in role (the sign-in and sign-up pages send them there).
LANDING = ("302 /", "302 /", "302 /employer/", "302 /employer/", "302 /", "302 /staff/")


def every(outcome) -> tuple:
    return (outcome,) * len(ROLES)


def signed_in(outcome, visitor=LOGIN) -> tuple:
    """The visitor is asked to sign in; every signed-in role gets `outcome`."""
    return (visitor,) + (outcome,) * (len(ROLES) - 1)


def students(student, other_student=None, others=404, visitor=LOGIN) -> tuple:
    """A student's own thing: other_student defaults to the student's outcome."""
    other = student if other_student is None else other_student
    return (visitor, student, other, others, others, others, others)


def staff_only(staff) -> tuple:
    """The staff site: sign in, refused unless career-center staff."""
    return (LOGIN, 403, 403, 403, 403, 403, staff)


def employer_site(employer, other_employer=None) -> tuple:
    """The employer site: sign in, refused unless an active member of a live organization."""
    other = employer if other_employer is None else other_employer
    return (LOGIN, 403, 403, employer, other, 403, 403)


def r(name, method, expected, kwargs=None, data=None, secret="") -> Row:
    assert len(expected) == len(ROLES), name
    return Row(name, kwargs or {}, method, tuple(expected), data or {}, secret)


def staff_model(
    model: str, obj: _Ref, *, add, change, delete, changelist=200, secret=""
) -> list[Row]:
    """The five standard pages of one ModelAdmin on the staff site."""
    pk = {"object_id": obj}
    return [
        r(f"admin:{model}_changelist", GET, staff_only(changelist)),
        r(f"admin:{model}_add", GET, staff_only(add)),
        r(f"admin:{model}_change", GET, staff_only(change), pk, secret=secret),
        r(f"admin:{model}_history", GET, staff_only(200 if change == 200 else change), pk),
        r(f"admin:{model}_delete", GET, staff_only(delete), pk),
    ]


def employer_model(model: str, obj: _Ref, *, add, change=200, delete=403, secret) -> list[Row]:
    """The five standard pages of one ModelAdmin on the employer site; `obj` is employer's."""
    pk = {"object_id": obj}
    foreign = MISSING if change == 200 else change
    return [
        r(f"employer:{model}_changelist", GET, employer_site(200)),
        r(f"employer:{model}_add", GET, employer_site(add)),
        r(f"employer:{model}_change", GET, employer_site(change, foreign), pk, secret=secret),
        r(f"employer:{model}_history", GET, employer_site(change, foreign), pk, secret=secret),
        # Deleting is never an employer's: refused before the object is looked up.
        r(f"employer:{model}_delete", GET, employer_site(delete), pk),
    ]


# Columns: visitor, student, other student, employer, other organization's employer,
# member of a suspended organization, staff.
TABLE: list[Row] = [
    # --- Public pages -------------------------------------------------------------------
    r("home", GET, every(200)),
    r("health", GET, every(200)),
    r("robots", GET, every(200)),
    r("robots", POST, every(405)),
    r("sitemap", GET, every(200)),
    r("sitemap_section", GET, every(200), {"section": "listings"}),
    r("sitemap_section", GET, every(404), {"section": "nothing-here"}),
    r("listings:list", GET, every(200)),
    r("listings:feed", GET, every(200)),
    r("listings:detail", GET, every(200), {"slug": W.listing.slug}),
    r(
        "listings:detail",
        GET,
        (404, 404, 404, 200, 404, 404, 200),
        {"slug": W.draft.slug},
        secret="draft_secret",
    ),
    r("listings:organization", GET, every(200), {"slug": W.organization.slug}),
    r("listings:organization", GET, every(404), {"slug": W.suspended_organization.slug}),
    r("portfolio", GET, every(200), {"handle": W.student_profile.handle}),
    r("portfolio", GET, every(404), {"handle": W.other_student_profile.handle}),
    r("searches:form", GET, every(200)),
    r("searches:keep_alive", GET, every(200), {"token": W.keep_alive_token}),
    r("notifications:unsubscribe", GET, every(200), {"token": W.unsubscribe_token}),
    # Acts without signing in, by design: the signed token is the proof (RFC 8058).
    r("notifications:unsubscribe", POST, every(200), {"token": W.unsubscribe_token}),
    # --- Listings: saving, saved, reporting -----------------------------------------------
    r("listings:save", GET, every(405), {"slug": W.listing.slug}),
    r(
        "listings:save",
        POST,
        signed_in("302 /listings/{listing}/"),
        {"slug": W.listing.slug},
        {"action": "save"},
    ),
    r(
        "listings:save",
        POST,
        (LOGIN, 404, 404, "302 /listings/{draft}/", 404, 404, "302 /listings/{draft}/"),
        {"slug": W.draft.slug},
        {"action": "save"},
        secret="draft_secret",
    ),
    r("listings:saved", GET, students(200, others="302 /listings/")),
    r("listings:report", GET, signed_in(200), {"slug": W.listing.slug}),
    r("listings:report", POST, signed_in(200), {"slug": W.listing.slug}, {"reason": ""}),
    r("listings:report", GET, signed_in(404), {"slug": W.draft.slug}, secret="draft_secret"),
    # --- Saved searches (students) -------------------------------------------------------
    r("searches:list", GET, students(200, others="302 /listings/")),
    r("searches:create", GET, every(405)),
    r("searches:create", POST, signed_in("302 /listings/"), data={"frequency": "sometimes"}),
    r(
        "searches:update",
        POST,
        students("302 /listings/searches/", 404, others="302 /listings/"),
        {"pk": W.saved_search.pk},
        {"frequency": "weekly"},
    ),
    r(
        "searches:update",
        GET,
        students(405, others="302 /listings/"),
        {"pk": W.saved_search.pk},
    ),
    r(
        "searches:delete",
        POST,
        students("302 /listings/searches/", 404, others="302 /listings/"),
        {"pk": W.saved_search.pk},
    ),
    r("searches:delete", GET, students(405, others="302 /listings/"), {"pk": W.saved_search.pk}),
    # --- Applying and the student's applications ------------------------------------------
    r("applications:apply", GET, students(200, others=403), {"slug": W.listing.slug}),
    r("applications:apply", POST, students(200, others=403), {"slug": W.listing.slug}),
    # Its organization and staff may open the unpublished listing, but only students apply.
    r(
        "applications:apply",
        GET,
        (LOGIN, 404, 404, 403, 404, 404, 403),
        {"slug": W.draft.slug},
        secret="draft_secret",
    ),
    r("applications:list", GET, signed_in(200)),
    r("applications:calendar", GET, signed_in(200)),
    # The private subscription address: the token is the credential, whoever holds it (a
    # calendar app, signed in as anyone or no one) gets the same calendar; an unknown or
    # reset token is a 404. Only a student gets (or resets) their own address, by POST.
    r("applications:calendar_feed", GET, every(200), {"token": W.calendar_token}),
    r("applications:calendar_feed", POST, every(405), {"token": W.calendar_token}),
    r("applications:calendar_feed", GET, every(404), {"token": "no-such-calendar-token"}),
    r("applications:calendar_address", GET, signed_in(405)),
    r("applications:calendar_address", POST, students("302 /applications/", others=404)),
    r(
        "applications:detail",
        GET,
        students(200, 404),
        {"pk": W.application.pk},
        secret="application_secret",
    ),
    *[
        row
        for action, post_outcome in [
            ("withdraw", "302 /applications/{application}/"),
            ("accept", "302 /applications/{application}/"),
            ("decline", "302 /applications/{application}/"),
            ("submit_work", 400),
            ("feedback", 400),
            ("testimonial", 400),
            # W.application is complete and no payment is recorded: nothing to answer yet.
            ("confirm_payment", "302 /applications/{application}/"),
            ("payment_missing", "302 /applications/{application}/"),
        ]
        for row in (
            r(
                f"applications:{action}",
                GET,
                students("302 /applications/{application}/", 404),
                {"pk": W.application.pk},
                secret="application_secret",
            ),
            r(
                f"applications:{action}",
                POST,
                students(post_outcome, 404),
                {"pk": W.application.pk},
                secret="application_secret",
            ),
        )
    ],
    # --- Private files -------------------------------------------------------------------
    # The student, staff, and organizations the student applied to; nobody else.
    r(
        "documents:profile_resume",
        GET,
        (LOGIN, 200, 404, 200, 404, 404, 200),
        {"pk": W.student_profile.pk},
    ),
    r(
        "documents:profile_resume",
        GET,
        (LOGIN, 404, 200, 200, 404, 404, 200),
        {"pk": W.other_student_profile.pk},
    ),
    r(
        "documents:application_resume",
        GET,
        (LOGIN, 200, 404, 200, 404, 404, 200),
        {"pk": W.application.pk},
    ),
    # --- Notifications -------------------------------------------------------------------
    r("notifications:list", GET, signed_in(200)),
    r("notifications:preferences", GET, signed_in(200)),
    r("notifications:preferences", POST, signed_in("302 /notifications/preferences/")),
    r("notifications:mark_all_read", GET, signed_in(405)),
    r("notifications:mark_all_read", POST, signed_in("302 /notifications/")),
    r("notifications:mark_read", GET, signed_in(405), {"pk": W.notification.pk}),
    r(
        "notifications:mark_read",
        POST,
        students("302 /notifications/", 404),
        {"pk": W.notification.pk},
        secret="notification_secret",
    ),
    r(
        "notifications:open",
        GET,
        students("302 /applications/", 404),
        {"pk": W.notification.pk},
        secret="notification_secret",
    ),
    # --- Accounts: profile and personal data -----------------------------------------------
    r("accounts:profile", GET, students(200)),
    r("accounts:profile", POST, students(200)),
    r("accounts:employer_signup", GET, (200, *LANDING)),
    r("privacy_data", GET, students(200)),
    r("privacy_data", POST, signed_in(405)),
    r("privacy_delete", GET, students(200)),
    r("privacy_delete", POST, students(200), data={"password": "not-the-password"}),
    # --- Accounts: sign-in and the rest of allauth --------------------------------------------
    r("account_login", GET, (200, *LANDING)),
    r("account_logout", GET, signed_in(200, visitor="302 /")),
    r("account_logout", POST, signed_in("302 /", visitor="302 /")),
    r("account_signup", GET, (200, *LANDING)),
    r("account_inactive", GET, every(200)),
    r("account_reauthenticate", GET, signed_in(200)),
    r("account_email", GET, signed_in(200)),
    r("account_email_verification_sent", GET, every(200)),
    r("account_change_password", GET, signed_in(200)),
    r("account_set_password", GET, signed_in("302 /accounts/password/change/")),
    r("account_reset_password", GET, every(200)),
    r("account_reset_password_done", GET, every(200)),
    r("account_reset_password_from_key_done", GET, every(200)),
    # Sign-in by emailed code is off: there is never a code to confirm.
    r(
        "account_confirm_login_code",
        GET,
        (LOGIN, "302 /", "302 /", "302 /employer/", "302 /employer/", "302 /", "302 /staff/"),
    ),
    # Reauthentication is by password only: the emailed-code pages refuse everyone signed in.
    r("account_request_reauthentication_code", GET, signed_in(403)),
    r("account_request_reauthentication_code", POST, signed_in(403)),
    r("account_confirm_reauthentication_code", GET, signed_in(403)),
    r("account_confirm_reauthentication_code", POST, signed_in(403)),
    r("account_confirm_email", GET, every(200), {"key": "not-a-real-key"}),
    r(
        "account_reset_password_from_key",
        GET,
        every(200),
        {"uidb36": "zz", "key": "not-a-real-key"},
    ),
    # --- Career-center reports (/staff/reports/) -----------------------------------------------
    r("reports:dashboard", GET, staff_only(200)),
    r("reports:export_create", GET, staff_only(405)),
    r("reports:export_create", POST, staff_only("302 /staff/reports/"), data={"kind": "nope"}),
    r("reports:export_detail", GET, staff_only(200), {"pk": W.export.pk}),
    r("reports:export_detail", GET, staff_only(404), {"pk": W.other_staff_export.pk}),
    r("reports:export_download", GET, staff_only(200), {"pk": W.export.pk}),
    r("reports:export_download", GET, staff_only(404), {"pk": W.other_staff_export.pk}),
    # --- Staff site (/staff/) -------------------------------------------------------------
    r("admin:index", GET, staff_only(200)),
    r("admin:login", GET, (LOGIN, 403, 403, 403, 403, 403, "302 /staff/")),
    # The admin sends everyone else to its index (and so on to sign in or a 403).
    r("admin:logout", GET, every("302 /staff/")[:-1] + (405,)),
    r("admin:password_change", GET, staff_only(200)),
    r("admin:password_change_done", GET, staff_only(200)),
    r("admin:jsi18n", GET, staff_only(200)),
    r("admin:autocomplete", GET, staff_only(403)),
    r(
        "admin:view_on_site",
        GET,
        staff_only("302 /listings/{listing}/"),
        {"content_type_id": W.listing_type.pk, "object_id": W.listing.pk},
    ),
    r("admin:app_list", GET, staff_only(200), {"app_label": "listings"}),
    # Nobody but a superuser sets another person's password: staff send a reset link.
    r("admin:auth_user_password_change", GET, staff_only(403), {"id": W.student.pk}),
    r(
        "admin:auth_user_password_change",
        POST,
        staff_only(403),
        {"id": W.student.pk},
        data={"password1": "amber-quartz-meadow-77", "password2": "amber-quartz-meadow-77"},
    ),
    r(
        "admin:accounts_user_changelist",
        POST,
        staff_only("302 /staff/accounts/user/"),
        data={"action": "send_password_reset_link", "_selected_action": W.student.pk},
    ),
    # Groups and email addresses are for superusers: career-center staff have no permission.
    *staff_model("auth_group", W.career_center.pk, changelist=403, add=403, change=403, delete=403),
    *staff_model(
        "account_emailaddress",
        W.student_email.pk,
        changelist=403,
        add=403,
        change=403,
        delete=403,
    ),
    *staff_model("accounts_user", W.student.pk, add=200, change=200, delete=403),
    *staff_model("accounts_organization", W.organization.pk, add=403, change=200, delete=403),
    # Memberships are read-only for staff (the change page shows them): no one makes
    # themselves, or anyone, an active owner from the staff site.
    *staff_model("accounts_membership", W.employer_membership.pk, add=403, change=200, delete=403),
    r(
        "admin:accounts_membership_add",
        POST,
        staff_only(403),
        data={"user": W.student.pk, "organization": W.organization.pk, "role": "owner"},
    ),
    r(
        "admin:accounts_membership_change",
        POST,
        staff_only(403),
        {"object_id": W.employer_membership.pk},
        data={"role": "owner"},
    ),
    *staff_model("accounts_studentprofile", W.student_profile.pk, add=403, change=200, delete=403),
    # Listings and reports open on "waiting for a decision" (a redirect that adds the filter).
    *staff_model(
        "listings_listing",
        W.draft.pk,
        changelist="302 /staff/listings/listing/",
        add=403,
        change=200,
        delete=403,
    ),
    r(
        "admin:listings_listing_step",
        GET,
        staff_only(200),
        {"object_id": W.submitted.pk, "step_name": "approve"},
    ),
    r(
        "admin:listings_listing_step",
        GET,
        staff_only(404),
        {"object_id": W.submitted.pk, "step_name": "no-such-step"},
    ),
    *staff_model(
        "listings_listingreport",
        W.report.pk,
        changelist="302 /staff/listings/listingreport/",
        add=403,
        change=200,
        delete=403,
    ),
    *staff_model("listings_industry", W.listing.industry.pk, add=200, change=200, delete=403),
    *staff_model("listings_skill", W.skill.pk, add=200, change=200, delete=403),
    *staff_model("applications_application", W.application.pk, add=403, change=200, delete=403),
    *staff_model("applications_feedback", W.feedback.pk, add=403, change=200, delete=403),
    *staff_model("reports_export", W.export.pk, add=403, change=200, delete=403),
    *staff_model("notifications_notification", W.notification.pk, add=403, change=200, delete=403),
    # --- Employer site (/employer/) ----------------------------------------------------------
    r("employer:index", GET, employer_site(200)),
    r("employer:login", GET, (LOGIN, 403, 403, "302 /employer/", "302 /employer/", 403, 403)),
    r(
        "employer:logout",
        GET,
        ("302 /employer/",) * 3 + (405, 405) + ("302 /employer/",) * 2,
    ),
    r("employer:password_change", GET, employer_site(200)),
    r("employer:password_change_done", GET, employer_site(200)),
    r("employer:jsi18n", GET, employer_site(200)),
    r("employer:autocomplete", GET, employer_site(403)),
    r("employer:app_list", GET, employer_site(200), {"app_label": "listings"}),
    *employer_model(
        "accounts_organization", W.organization.pk, add=403, secret="organization_secret"
    ),
    *employer_model(
        "accounts_membership", W.employer_membership.pk, add=403, secret="employer_secret"
    ),
    *employer_model("listings_listing", W.draft.pk, add=200, secret="draft_secret"),
    r(
        "employer:listings_listing_step",
        GET,
        employer_site(200, MISSING),
        {"object_id": W.listing.pk, "step_name": "close"},
        secret="listing_title",
    ),
    *employer_model(
        "applications_application", W.application.pk, add=403, secret="application_secret"
    ),
    r(
        "employer:applications_application_step",
        GET,
        employer_site(200, 404),
        {"object_id": W.pending_application.pk, "step_name": "not_select"},
        secret="pending_secret",
    ),
    r(
        "employer:applications_application_step",
        GET,
        employer_site(200, 404),
        {"object_id": W.application.pk, "step_name": "record_payment"},
        secret="application_secret",
    ),
    r(
        "employer:applications_application_step",
        POST,
        employer_site("302 /employer/applications/application/{application}/change/", 404),
        {"object_id": W.application.pk, "step_name": "record_payment"},
        {"apply": "1", "paid_on": "2026-01-05", "amount": "10.00"},
        secret="application_secret",
    ),
    r(
        "employer:applications_application_feedback",
        GET,
        employer_site(200, 404),
        {"object_id": W.application.pk},
        secret="application_secret",
    ),
    # --- Conversations ---------------------------------------------------------------------
    # The student and the organization's members, nobody else: a stranger's thread is a 404.
    *[
        r(
            "messaging:write",
            method,
            (
                LOGIN,
                "302 /applications/{application}/",
                404,
                "302 /employer/applications/application/{application}/change/",
                404,
                404,
                404,
            ),
            {"pk": W.application.pk},
            data={"body": "Matrix reply."} if method == POST else {},
            secret="message_secret",
        )
        for method in (GET, POST)
    ],
    # Only the person a message was written to reports it.
    r(
        "messaging:report",
        GET,
        students(200, 404),
        {"pk": W.application.pk, "message": W.message.pk},
        secret="message_secret",
    ),
    r(
        "messaging:report",
        POST,
        students("302 /applications/{application}/", 404),
        {"pk": W.application.pk, "message": W.message.pk},
        secret="message_secret",
    ),
    r(
        "messaging:report",
        GET,
        (LOGIN, 404, 404, 200, 404, 404, 404),
        {"pk": W.application.pk, "message": W.student_message.pk},
        secret="student_message_secret",
    ),
    r(
        "messaging:check_in",
        GET,
        (LOGIN, 200, 404, 200, 404, 404, 404),
        {"pk": W.application.pk},
        secret="application_secret",
    ),
    r(
        "messaging:check_in",
        POST,
        (LOGIN, 400, 404, 400, 404, 404, 404),
        {"pk": W.application.pk},
        secret="application_secret",
    ),
    # Staff read a conversation only once a message in it is reported.
    r("messaging_staff:reports", GET, staff_only(200)),
    r("messaging_staff:thread", GET, staff_only(200), {"pk": W.application.pk}),
    r(
        "messaging_staff:thread",
        GET,
        staff_only(404),
        {"pk": W.pending_application.pk},
        secret="pending_message_secret",
    ),
    r(
        "messaging_staff:thread",
        POST,
        staff_only("302 /staff/conversations/"),
        {"pk": W.application.pk},
    ),
    r("messaging_staff:check_ins", GET, staff_only(200)),
    r("messaging_staff:check_in_handled", GET, staff_only(405), {"pk": W.check_in.pk}),
    r(
        "messaging_staff:check_in_handled",
        POST,
        staff_only("302 /staff/conversations/check-ins/"),
        {"pk": W.check_in.pk},
    ),
]
# Only routed when the benchmark floor is switched on (BENCHMARK_FLOOR=true).
OPTIONAL = {"bench-floor": r("bench-floor", GET, every(200))}


def routed_rows() -> list[Row]:
    """The table, plus the optional rows whose URL is routed in this configuration."""
    names = {route.name for route in routes()}
    return TABLE + [row for name, row in OPTIONAL.items() if name in names]


# --- The URL configuration ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: str


def routes(resolver=None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern of the project, with its namespaced name and full pattern."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            found += routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            view = getattr(entry.callback, "view_class", entry.callback)
            view_name = getattr(view, "__name__", type(view).__name__)
            found.append(Route(name or "", prefix + str(entry.pattern), view_name))
    return found


# --- The world the table's objects come from ----------------------------------------------


def build_world(*, student, other_student, employer, other_employer, suspended_employer, staff):
    """Objects owned by `student` and by `employer`'s organization, and a few of others."""
    organization = employer.memberships.get().organization
    listing = ListingFactory(published=True, organization=organization, title="Matrix open project")
    draft = ListingFactory(organization=organization, title="Unreleased matrix project")
    submitted = ListingFactory(submitted=True, organization=organization)
    applied = ListingFactory(published=True, organization=organization, title="Matrix applied")
    skill = SkillFactory(name="Matrix skill")
    listing.skills.add(skill)

    student_profile = student.student_profile
    student_profile.handle = "matrix-student"
    student_profile.portfolio_public = True
    student_profile.resume.save("resume.pdf", ContentFile(MINIMAL_PDF), save=False)
    student_profile.save()
    other_student_profile = other_student.student_profile
    other_student_profile.handle = "matrix-private"
    other_student_profile.resume.save("resume.pdf", ContentFile(MINIMAL_PDF), save=False)
    other_student_profile.save()

    application = ApplicationFactory(
        listing=applied,
        student=student,
        status=Application.Status.COMPLETED,
        pitch="Matrix pitch nobody else may read.",
    )
    pending_application = ApplicationFactory(
        listing=applied, student=other_student, pitch="Matrix pitch of a pending application."
    )
    feedback = Feedback.objects.create(
        application=application,
        author_role=Feedback.Author.EMPLOYER,
        author=employer,
        rating=5,
        comment="Matrix testimonial.",
    )
    notification = queue_email(
        to=student.email,
        recipient=student,
        kind="applications.shortlisted",
        subject="Matrix notification subject",
        body_text="Matrix notification body.",
        link="/applications/",
        dedupe_key=f"matrix:{student.pk}",
        enqueue=False,
    )
    saved_search, _created = SavedSearch.save_for(
        user=student, params=QueryDict("q=matrix"), frequency="daily"
    )
    report = ListingReport.objects.create(
        listing=applied, reporter=other_student, reason="other", details="Matrix report."
    )
    message = Message.write(
        application=application, author=employer, body="Matrix conversation secret."
    )
    student_message = Message.write(
        application=application, author=student, body="Matrix student's words."
    )
    pending_message = Message.write(
        application=pending_application, author=other_student, body="Matrix unreported thread."
    )
    MessageReport.file(message=message, reporter=student, reason="Matrix report of a message.")
    check_in = CheckIn.objects.create(
        application=application, side="student", answer="need_help", by=student
    )
    other_staff = StaffFactory(email="other-staff@test.example")
    export = Export.objects.create(
        kind=Export.Kind.LISTINGS,
        requested_by=staff,
        delivery=Export.Delivery.BACKGROUND,
        status=Export.Status.DONE,
    )
    export.file.save("export.csv", ContentFile(b"title\r\nMatrix\r\n"), save=True)
    other_staff_export = Export.objects.create(
        kind=Export.Kind.LISTINGS,
        requested_by=other_staff,
        delivery=Export.Delivery.BACKGROUND,
        status=Export.Status.DONE,
    )
    other_staff_export.file.save("export.csv", ContentFile(b"title\r\n"), save=True)

    return SimpleNamespace(
        student=student,
        student_email=EmailAddress.objects.get(user=student),
        student_profile=student_profile,
        other_student_profile=other_student_profile,
        employer_membership=employer.memberships.get(),
        organization=organization,
        suspended_organization=suspended_employer.memberships.get().organization,
        listing=listing,
        listing_type=ContentType.objects.get_for_model(listing),
        draft=draft,
        submitted=submitted,
        application=application,
        pending_application=pending_application,
        feedback=feedback,
        notification=notification,
        saved_search=saved_search,
        report=report,
        export=export,
        other_staff_export=other_staff_export,
        skill=skill,
        message=message,
        student_message=student_message,
        check_in=check_in,
        career_center=Group.objects.get(name=settings.CAREER_CENTER_GROUP),
        keep_alive_token=SavedSearch.keep_alive_token(student.pk),
        calendar_token=CalendarFeed.issue(student)[0].token,
        unsubscribe_token=unsubscribe_token(student.pk, "reminders"),
        # Text that must never appear where its owner's stranger is refused.
        draft_secret=draft.title,
        listing_title=listing.title,
        application_secret=application.pitch,
        pending_secret=pending_application.pitch,
        notification_secret=notification.subject,
        organization_secret=organization.name,
        employer_secret=employer.email,
        message_secret=message.body,
        student_message_secret=student_message.body,
        pending_message_secret=pending_message.body,
    )


# --- Running one request ---------------------------------------------------------------------


def expand(expected, world: SimpleNamespace):
    """'302 /listings/{listing}/' with the world's slugs and ids filled in."""
    if isinstance(expected, str) and "{" in expected:
        return expected.format(
            listing=world.listing.slug,
            draft=world.draft.slug,
            application=world.application.pk,
        )
    return expected


def site_of(name: str) -> str | None:
    """The admin site a URL name belongs to ("admin", "employer"), if any."""
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return namespace if namespace in ADMIN_INDEXES else None


@dataclass
class Result:
    outcome: str | int
    #: Every response seen on the way (an admin login or index page followed once).
    responses: list


def fetch(client, row: Row, world: SimpleNamespace) -> Result:
    """Make the row's request as the client's user and say what came back, in the table's words.

    Whatever the request changes is rolled back (database and cookies), so that every row
    starts from the same world.
    """
    url = row.url(world)
    cookies = copy.deepcopy(client.cookies)
    savepoint = transaction.savepoint()
    try:
        send = client.get if row.method == GET else client.post
        response = send(url, row.data_for(world))
        return Result(_classify(client, response, site_of(row.name)), [response])
    finally:
        transaction.savepoint_rollback(savepoint)
        client.cookies = cookies


def _classify(client, response, site: str | None) -> str | int:
    if response.status_code not in (301, 302):
        return response.status_code
    path = urlsplit(response["Location"]).path
    if path in SIGN_IN_PATHS - {"/accounts/login/"}:
        # An admin site's own login address: it sends visitors on to the sign-in page and
        # refuses signed-in people who are not allowed there.
        followed = client.get(response["Location"])
        if followed.status_code == 403:
            return 403
        path = urlsplit(followed.get("Location", "")).path
    if path == "/accounts/login/":
        return LOGIN
    if site and path == ADMIN_INDEXES[site]:
        said = " ".join(str(message) for message in get_messages(response.wsgi_request))
        if "exist" in said:
            return MISSING
    return f"302 {path}"
