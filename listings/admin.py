"""The listing back office: employers post listings at /employer/, staff moderate at /staff/.

Every change of state goes through the Listing's transition methods; the admin only
collects who, why and a comment, and reports what was done or refused.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from accounts.admin import OrganizationAdmin
from accounts.admin_history import EmployerHistoryMixin, HistoryInline, ReadOnlyInline
from accounts.admin_steps import AdminStepsMixin, Step
from accounts.models import Organization
from accounts.sites import OrganizationScopedAdmin, employer_site
from listings.admin_forms import EmployerListingForm, TransitionForm
from listings.diff import word_diff
from listings.models import Industry, Listing, ListingEvent, ListingReport, Skill

Status = Listing.Status

#: Reason codes written by the system or the organization, next to the staff's choices.
OTHER_REASON_LABELS = {
    "material_edit": "Edited after publication",
    "edited_in_review": "Edited while waiting for review",
    "cancelled": "Cancelled by the organization",
    "reports": "Reports from students",
}


def reason_label(code: str) -> str:
    """A reason code in words ("" stays "")."""
    if not code:
        return ""
    labels = dict(ListingEvent.Reason.choices) | OTHER_REASON_LABELS
    return str(labels.get(code, code.replace("_", " ").capitalize()))


def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def paragraphs(text: str) -> str:
    """Someone's text with its line breaks kept, escaped for HTML."""
    return linebreaksbr(text, autoescape=True)


def refusal_message(listing: Listing, error: ValidationError) -> str:
    """Why one listing was left as it was, naming the listing."""
    text = " ".join(error.messages)
    return text if listing.title in text else f"“{listing.title}”: {text}"


# --- Transitions with a reason and a comment ---------------------------------------------


def listing_step(**options) -> Step:
    """A listing Step: every one asks for a comment, kept in the listing's history."""
    defaults = {
        "text_kwarg": "note",
        "text_label": "Comment",
        "text_help": "Optional. Kept in the listing's history.",
    }
    return Step(**(defaults | options))


STAFF_STEPS = {
    step.name: step
    for step in [
        listing_step(
            name="approve",
            method="approve",
            title="Approve and publish",
            button="Approve and publish",
            done="{count} approved and published.",
            allowed_from=frozenset({Status.SUBMITTED}),
            intro="These listings will be published and their organizations told.",
        ),
        listing_step(
            name="request_changes",
            method="request_changes",
            title="Request changes",
            button="Send back for changes",
            done="{count} sent back for changes.",
            allowed_from=frozenset({Status.SUBMITTED}),
            intro="The organization sees the reason and your comment and can submit again.",
            reason=True,
            reason_required=True,
            text_label="What to change",
            text_help="Shown to the organization with the reason.",
        ),
        listing_step(
            name="reject",
            method="reject",
            title="Reject",
            button="Reject",
            done="{count} rejected.",
            allowed_from=frozenset({Status.SUBMITTED}),
            intro="A rejected listing cannot be submitted again.",
            reason=True,
            reason_required=True,
            text_label="Why it is rejected",
            text_help="Shown to the organization with the reason.",
        ),
        listing_step(
            name="suspend",
            method="suspend",
            title="Suspend",
            button="Suspend",
            done="{count} suspended.",
            allowed_from=frozenset({Status.PUBLISHED}),
            intro="Suspended listings are hidden from students until you reinstate or remove them.",
            reason=True,
            reason_required=True,
        ),
        listing_step(
            name="reinstate",
            method="reinstate",
            title="Reinstate",
            button="Reinstate",
            done="{count} published again.",
            allowed_from=frozenset({Status.SUSPENDED}),
            intro="These listings will be visible to students again.",
        ),
        listing_step(
            name="remove",
            method="remove",
            title="Remove",
            button="Remove for good",
            done="{count} removed.",
            allowed_from=frozenset({Status.SUSPENDED}),
            intro="Removed listings stay hidden for good.",
            reason=True,
            reason_required=True,
        ),
    ]
}

EMPLOYER_STEPS = {
    step.name: step
    for step in [
        listing_step(
            name="close",
            method="close",
            title="Close early",
            button="Close to new applications",
            done="{count} closed to new applications.",
            allowed_from=frozenset({Status.PUBLISHED}),
            intro="Students can no longer apply. Applications you already have stay open for review.",
            text_label="Why (optional)",
        ),
        listing_step(
            name="cancel",
            method="cancel",
            title="Cancel the project",
            button="Cancel the project",
            done="{count} cancelled.",
            allowed_from=frozenset(Listing.OPEN_STATES),
            intro="The project is called off for good; it cannot be reopened.",
            text_label="Why the project is cancelled",
            text_required=True,
            text_help="Applicants will see this.",
        ),
    ]
}


class ListingStepsMixin(AdminStepsMixin):
    """Listing steps: each confirmation page asks for a comment and, for some, a reason."""

    step_form = TransitionForm
    step_text_field = "note"

    def step_object_label(self, listing: Listing) -> str:
        return listing.title

    def step_object_details(self, listing: Listing) -> str:
        details = f"{listing.organization}, {listing.get_status_display().lower()}"
        return f"{details}, risk {listing.risk_score}" if listing.risk_score else details

    def step_refusal_message(self, listing: Listing, error: ValidationError) -> str:
        return refusal_message(listing, error)

    def step_object_missing(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)


# --- Event history, read-only ------------------------------------------------------------


class ListingEventInline(HistoryInline):
    """A listing's history: who moved it from which state to which, why and when."""

    model = ListingEvent
    status_choices = Status
    fields = ["created_at", "actor_name", "from_label", "to_label", "reason_label", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    @admin.display(description="by")
    def actor_name(self, event: ListingEvent) -> str:
        return event.actor_display

    @admin.display(description="reason")
    def reason_label(self, event: ListingEvent) -> str:
        return reason_label(event.reason)


class EmployerListingEventInline(EmployerHistoryMixin, ListingEventInline):
    """The same history for the organization; staff appear as the career center."""


# --- Employer site (/employer/) -----------------------------------------------------------


@admin.register(Listing, site=employer_site)
class EmployerListingAdmin(ListingStepsMixin, OrganizationScopedAdmin):
    """An organization's listings: write, save as draft, submit, close early or cancel."""

    form = EmployerListingForm
    change_form_template = "admin/listings/listing/employer_change_form.html"
    list_display = [
        "title",
        "status",
        "application_deadline",
        "fee_display",
        "rate_display",
        "openings",
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    filter_horizontal = ["skills"]
    inlines = [EmployerListingEventInline]
    actions = ["submit_for_review", "close_early", "cancel_listings"]
    steps = EMPLOYER_STEPS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("organization")

    def _member_organizations(self, request: HttpRequest) -> list[Organization]:
        if not hasattr(request, "_listing_admin_organizations"):
            request._listing_admin_organizations = list(self.organizations(request)[:2])
        return request._listing_admin_organizations

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status not in Listing.EDITABLE_STATES:
            return False
        return super().has_change_permission(request, obj)

    def get_inlines(self, request: HttpRequest, obj):
        return self.inlines if obj is not None else []

    # Form -------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj=None):
        floor = settings.MIN_HOURLY_RATE
        status_fields = ["status"]
        if obj is not None:
            status_fields = ["organization", "status", "submitted_at", "published_at"]
        elif len(self._member_organizations(request)) > 1:
            status_fields = ["organization", "status"]
        fieldsets = [
            (
                "The project",
                {
                    "fields": [
                        "title",
                        "summary",
                        "description",
                        "deliverables",
                        "skills",
                        "industry",
                    ]
                },
            ),
            (
                "Pay and time",
                {
                    "fields": [
                        "estimated_hours",
                        "fee",
                        "currency",
                        "effective_hourly_rate",
                        "pay_justification",
                    ],
                    "description": (
                        "The effective hourly rate is the fee divided by the estimated hours. "
                        f"Listings paying less than {floor} an hour need a pay justification, "
                        "and unpaid listings are not accepted."
                    ),
                },
            ),
            ("Where the work happens", {"fields": ["location_type", "city", "region", "country"]}),
            ("Dates and openings", {"fields": ["openings", "application_deadline", "due_date"]}),
            ("Who can apply", {"fields": ["eligibility", "contact_email"]}),
            ("Status", {"fields": status_fields}),
        ]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = [
            "status",
            "effective_hourly_rate",
            "submitted_at",
            "published_at",
        ]
        if obj is not None:
            fields.append("organization")
        return fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.submitting = "_submit" in request.POST
        organizations = self._member_organizations(request)
        form.default_organization = organizations[0] if len(organizations) == 1 else None
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "skills":
            kwargs["help_text"] = "Pick the skills the project needs; students search by them."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Listing, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        if not obj.organization_id:
            obj.organization = self._member_organizations(request)[0]
        if obj.organization not in self.organizations(request):
            raise PermissionDenied
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The row stays locked until the edit is recorded (save_related, same transaction):
        # staff approving meanwhile wait, then see the new revision and refuse.
        current = Listing.objects.select_for_update().get(pk=obj.pk)
        if current.status not in Listing.EDITABLE_STATES:
            raise PermissionDenied  # Staff suspended or closed it since the form was opened.
        obj._before_edit = current.snapshot()
        obj._status_before_edit = current.status
        # Only what the employer typed is written: status, revision and the approved
        # version belong to the transitions, whatever this form loaded.
        concrete = {field.name for field in Listing._meta.concrete_fields}
        fields = [name for name in form.fields if name in concrete and name != "organization"]
        obj.save(update_fields=fields)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        listing = form.instance
        listing.refresh_search_vector()  # The skills are saved only now.
        before = getattr(listing, "_before_edit", None)
        if not change or before is None:
            return
        was = listing._status_before_edit
        changed = listing.record_edit(by=request.user, before=before)
        if changed and was == Status.PUBLISHED:
            self.message_user(
                request,
                f"You changed the {listing._labels(changed)} of “{listing.title}”, so it is "
                "waiting for review by the career center. Students will not see it until it "
                "is approved again; you will hear back by email.",
                messages.WARNING,
            )
        elif changed and was == Status.SUBMITTED:
            self.message_user(
                request,
                f"“{listing.title}” is still waiting for review; the career center will "
                "review it as you have just saved it.",
                messages.INFO,
            )

    def response_add(self, request: HttpRequest, obj: Listing, post_url_continue=None):
        if "_submit" in request.POST:
            return self._submit_from_form(request, obj)
        self.message_user(
            request,
            f"“{obj.title}” is saved as a draft. Press “Submit for review” when it is ready.",
            messages.INFO,
        )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Listing):
        if "_submit" in request.POST:
            return self._submit_from_form(request, obj)
        return super().response_change(request, obj)

    def _submit_from_form(self, request: HttpRequest, obj: Listing) -> HttpResponse:
        try:
            obj.submit(by=request.user)
        except ValidationError as error:
            self.message_user(
                request,
                f"“{obj.title}” is saved but was not sent for review: {' '.join(error.messages)}",
                messages.ERROR,
            )
            url = reverse(f"{self.admin_site.name}:listings_listing_change", args=[obj.pk])
            return HttpResponseRedirect(url)
        self.message_user(
            request,
            f"“{obj.title}” was sent to the career center for review. "
            "You will hear back when it is published or needs changes.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:listings_listing_changelist"))

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        listing = self.get_object(request, unquote(object_id))
        if listing is not None:
            extra_context["step_links"] = self.step_links(request, listing)
            extra_context["waiting_for_review"] = listing.status == Status.SUBMITTED
            extra_context["can_submit"] = listing.status in {
                Status.DRAFT,
                Status.CHANGES_REQUESTED,
            }
            if listing.status in {Status.CHANGES_REQUESTED, Status.REJECTED}:
                extra_context["moderation_feedback"] = {
                    "status": status_label(listing.status),
                    "reason": reason_label(listing.moderation_reason),
                    "note": listing.moderation_note,
                    "can_resubmit": listing.status == Status.CHANGES_REQUESTED,
                }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_submit": True}
        return super().add_view(request, form_url, extra_context)

    # Display ------------------------------------------------------------------------------

    @admin.display(description="fee", ordering="fee")
    def fee_display(self, obj: Listing) -> str:
        return f"{obj.fee} {obj.currency}"

    @admin.display(description="hourly rate", ordering="hourly_rate")
    def rate_display(self, obj: Listing) -> str:
        return f"{obj.hourly_rate} {obj.currency}"

    @admin.display(description="effective hourly rate")
    def effective_hourly_rate(self, obj: Listing) -> str:
        floor = settings.MIN_HOURLY_RATE
        if obj.fee is None or not obj.estimated_hours:
            return (
                f"Worked out when you save: the fee divided by the estimated hours. "
                f"The floor is {floor} an hour."
            )
        rate = obj.compute_hourly_rate()
        text = (
            f"{rate} {obj.currency} an hour ({obj.fee} ÷ {obj.estimated_hours} hours). "
            f"The floor is {floor} {obj.currency} an hour."
        )
        if obj.fee <= 0:
            return text + " Unpaid listings are not accepted: enter the fee you will pay."
        if rate < floor:
            return (
                text
                + " This is below the floor: explain in “Pay justification” why it is fair, or raise the fee."
            )
        return text

    # Actions --------------------------------------------------------------------------------

    @admin.action(description="Submit selected listings for review")
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for listing in queryset:
            try:
                listing.submit(by=request.user)
            except ValidationError as error:
                self.message_user(request, refusal_message(listing, error), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                f"{plural(done, 'listing')} sent to the career center for review.",
                messages.SUCCESS,
            )

    @admin.action(description="Close selected listings early…")
    def close_early(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "close")

    @admin.action(description="Cancel selected projects…")
    def cancel_listings(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "cancel")


# --- Career-center staff site (/staff/) --------------------------------------------------

ALL = "all"


class DefaultFilterMixin:
    """Open the changelist on a default filter; "All" is an explicit choice.

    Only a bare GET is redirected, so the filter in the address always matches the list
    on screen, and actions posted from it act on what was shown.
    """

    default_filters: dict[str, str] = {}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if request.method == "GET" and not request.GET and self.default_filters:
            query = "&".join(f"{key}={value}" for key, value in self.default_filters.items())
            return HttpResponseRedirect(f"{request.path}?{query}")
        return super().changelist_view(request, extra_context)


class StatusFilter(admin.SimpleListFilter):
    """Filter by status where the default view is one status and "All" is a choice of its own."""

    title = "status"
    parameter_name = "status"
    status_choices: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [(ALL, "All"), *self.status_choices]

    def queryset(self, request, queryset):
        if self.value() in (None, ALL):
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        current = self.value() or ALL
        for value, title in self.lookup_choices:
            yield {
                "selected": current == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class ListingStatusFilter(StatusFilter):
    status_choices = Status.choices


class ReportStatusFilter(StatusFilter):
    status_choices = ListingReport.Status.choices


@admin.register(Listing)
class ListingAdmin(DefaultFilterMixin, ListingStepsMixin, admin.ModelAdmin):
    """Moderation: the queue of listings waiting for review, riskiest and oldest first."""

    default_filters = {"status": Status.SUBMITTED}
    change_form_template = "admin/listings/listing/staff_change_form.html"
    list_display = [
        "title",
        "organization",
        "status",
        "waiting",
        "risk_score",
        "signal_summary",
        "rate_flagged",
        "application_deadline",
    ]
    list_filter = [ListingStatusFilter, "location_type", "industry"]
    list_select_related = ["organization", "industry"]
    search_fields = ["title", "organization__name", "contact_email"]
    inlines = [ListingEventInline]
    actions = ["approve", "request_changes", "reject", "suspend", "reinstate", "remove"]
    steps = STAFF_STEPS
    fieldsets = [
        (
            "Moderation",
            {
                "fields": [
                    "status",
                    "waiting",
                    "risk_score",
                    "risk_signals_list",
                    "pay_check",
                    "changes_table",
                    "moderation_reason_label",
                    "moderation_note",
                ]
            },
        ),
        (
            "The project",
            {
                "fields": [
                    "organization_link",
                    "title",
                    "summary",
                    "description",
                    "deliverables",
                    "skills",
                    "industry",
                ]
            },
        ),
        ("Pay and time", {"fields": ["estimated_hours", "fee", "currency", "hourly_rate"]}),
        ("Where", {"fields": ["location_type", "city", "region", "country"]}),
        ("Dates and openings", {"fields": ["openings", "application_deadline", "due_date"]}),
        ("Eligibility and contact", {"fields": ["eligibility", "contact_email", "created_by"]}),
        (
            "Timestamps",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "published_at",
                    "closed_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_ordering(self, request: HttpRequest):
        if request.GET.get("status") == Status.SUBMITTED:
            return ["-risk_score", "submitted_at"]
        return ["-updated_at"]

    # Staff read listings as the organization wrote them; changes go through transitions.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        listing = self.get_object(request, unquote(object_id))
        if listing is not None:
            extra_context["step_links"] = self.step_links(request, listing)
        return super().change_view(request, object_id, form_url, extra_context)

    # Approval carries the version staff reviewed --------------------------------------------

    def step_links(self, request: HttpRequest, obj: Listing) -> list[dict]:
        links = super().step_links(request, obj)
        approve = self.admin_url("step", obj.pk, "approve")
        for link in links:
            if link["url"] == approve:
                # The version on this page is the one an approval from it is for.
                link["url"] = f"{approve}?revision={obj.revision}"
        return links

    @staticmethod
    def _as_revision(value) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def reviewed_revisions(self, request: HttpRequest, objects) -> dict[int, int | None]:
        """The version of each listing staff are approving.

        The confirmation page posts back the version it showed; before that, the version
        is the one the listing's page linked from (?revision=), else the one shown now.
        """
        applying = request.method == "POST" and "apply" in request.POST
        linked = request.GET.get("revision") if len(objects) == 1 else None
        revisions = {}
        for listing in objects:
            posted = request.POST.get(f"revision-{listing.pk}")
            if applying:
                revisions[listing.pk] = self._as_revision(posted)
            else:
                revision = self._as_revision(posted or linked)
                revisions[listing.pk] = listing.revision if revision is None else revision
        return revisions

    def confirm_step(self, request: HttpRequest, objects, step, *, action):
        response = super().confirm_step(request, objects, step, action=action)
        if response is None or step.name != "approve":
            return response
        revisions = self.reviewed_revisions(request, objects)
        listings = {listing.pk: listing for listing in objects}
        for item in response.context_data["objects"]:
            listing = listings[item["pk"]]
            item["revision"] = revisions[listing.pk]
            item["details"] = f"{item['details']}, version {item['revision']}"
            item["changed_since"] = item["revision"] != listing.revision
            item["changes"] = self.changes_table(listing)
        response.template_name = "admin/listings/listing/approve_confirm.html"
        return response

    def apply_step(self, request: HttpRequest, objects, step, kwargs: dict) -> None:
        if step.name != "approve":
            return super().apply_step(request, objects, step, kwargs)
        revisions = self.reviewed_revisions(request, objects)
        approved = 0
        for listing in objects:
            try:
                if revisions[listing.pk] is None:
                    raise ValidationError(
                        "The page did not say which version you reviewed; open the listing "
                        "again and approve it from there."
                    )
                listing.approve(by=request.user, revision=revisions[listing.pk], **kwargs)
            except ValidationError as error:
                self.message_user(request, refusal_message(listing, error), messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(
                request, step.done.format(count=plural(approved, "listing")), messages.SUCCESS
            )
        elif not objects:
            self.message_user(request, "No listings were changed.", messages.WARNING)
        return None

    # Display ------------------------------------------------------------------------------

    @admin.display(description="waiting", ordering="submitted_at")
    def waiting(self, obj: Listing) -> str:
        if obj.status != Status.SUBMITTED or obj.submitted_at is None:
            return "—"
        return timesince(obj.submitted_at, depth=1)

    @admin.display(description="signals")
    def signal_summary(self, obj: Listing) -> str:
        codes = [signal.get("code", "") for signal in obj.risk_signals or []]
        return ", ".join(code.replace("_", " ") for code in codes) or "—"

    @admin.display(description="risk signals")
    def risk_signals_list(self, obj: Listing) -> str:
        if not obj.risk_signals:
            return "None found when it was submitted."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} <small>(+{})</small></li>",
                ((s.get("message", ""), s.get("weight", 0)) for s in obj.risk_signals),
            ),
        )

    @admin.display(description="hourly rate", ordering="hourly_rate")
    def rate_flagged(self, obj: Listing) -> str:
        if obj.below_pay_floor:
            return format_html("{} {} <strong>below floor</strong>", obj.hourly_rate, obj.currency)
        return f"{obj.hourly_rate} {obj.currency}"

    @admin.display(description="pay")
    def pay_check(self, obj: Listing) -> str:
        rate = (
            f"{obj.hourly_rate} {obj.currency} an hour ({obj.fee} for {obj.estimated_hours} hours)"
        )
        if not obj.below_pay_floor:
            return f"{rate}; at or above the floor of {settings.MIN_HOURLY_RATE}."
        return format_html(
            "<strong>Below the floor of {} an hour:</strong> {}.<br>"
            "<strong>Employer's justification:</strong> {}",
            settings.MIN_HOURLY_RATE,
            rate,
            paragraphs(obj.pay_justification) if obj.pay_justification else "(none given)",
        )

    @admin.display(description="changes since approval")
    def changes_table(self, obj: Listing) -> str:
        if not obj.approved_snapshot:
            return "Never approved before."
        changes = obj.changes_since_approval()
        if not changes:
            return "No changes since it was last approved."
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td><div class='word-diff'>{}</div></td></tr>",
            ((change["label"], word_diff(change["before"], change["after"])) for change in changes),
        )
        return format_html(
            "<table class='listing-changes'><caption>Compared with the approved version: "
            "removed words are <del>struck through</del>, added words are "
            "<ins>underlined</ins>.</caption><thead><tr><th scope='col'>Field</th>"
            "<th scope='col'>Changes</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="moderation reason")
    def moderation_reason_label(self, obj: Listing) -> str:
        return reason_label(obj.moderation_reason)

    @admin.display(description="organization")
    def organization_link(self, obj: Listing) -> str:
        url = reverse("admin:accounts_organization_change", args=[obj.organization_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            obj.organization,
            obj.organization.get_verification_display(),
        )

    # Actions --------------------------------------------------------------------------------

    @admin.action(description="Approve and publish selected listings…", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "approve")

    @admin.action(description="Request changes to selected listings…", permissions=["change"])
    def request_changes(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "request_changes")

    @admin.action(description="Reject selected listings…", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "reject")

    @admin.action(description="Suspend selected listings…", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "suspend")

    @admin.action(description="Reinstate selected listings…", permissions=["change"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "reinstate")

    @admin.action(description="Remove selected listings…", permissions=["change"])
    def remove(self, request: HttpRequest, queryset: QuerySet):
        return self.run_step(request, queryset, "remove")


@admin.register(ListingReport)
class ListingReportAdmin(DefaultFilterMixin, admin.ModelAdmin):
    """Students' reports: uphold (the listing comes down) or dismiss (it goes back up)."""

    default_filters = {"status": ListingReport.Status.OPEN}
    list_display = [
        "created_at",
        "listing_link",
        "listing_status",
        "reason",
        "reporter",
        "weight",
        "status",
    ]
    list_filter = [ReportStatusFilter, "reason"]
    list_select_related = ["listing", "reporter"]
    search_fields = ["listing__title", "reporter__email", "details"]
    ordering = ["created_at"]
    fields = [
        "listing_link",
        "listing_status",
        "reporter",
        "reason",
        "details",
        "weight",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
        "open_reports",
    ]
    readonly_fields = fields
    actions = ["uphold", "dismiss"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="listing", ordering="listing__title")
    def listing_link(self, report: ListingReport) -> str:
        url = reverse("admin:listings_listing_change", args=[report.listing_id])
        return format_html('<a href="{}">{}</a>', url, report.listing.title)

    @admin.display(description="listing status")
    def listing_status(self, report: ListingReport) -> str:
        return report.listing.get_status_display()

    @admin.display(description="open reports on this listing")
    def open_reports(self, report: ListingReport) -> int:
        return report.listing.reports.filter(status=ListingReport.Status.OPEN).count()

    def _decide(self, request: HttpRequest, queryset: QuerySet, *, upheld: bool) -> None:
        """Uphold or dismiss the selected reports (the model decides what the listing becomes)."""
        decided = 0
        before: dict[int, str] = {}
        after: dict[int, Listing] = {}
        for report in queryset.select_related("listing", "reporter"):
            if (
                report.listing_id in after
                and not ListingReport.objects.filter(
                    pk=report.pk, status=ListingReport.Status.OPEN
                ).exists()
            ):
                decided += 1  # Decided with its listing by a report above.
                continue
            before.setdefault(report.listing_id, report.listing.status)
            try:
                (report.uphold if upheld else report.dismiss)(by=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{report}: {' '.join(error.messages)}", messages.WARNING
                )
                continue
            decided += 1
            after[report.listing_id] = report.listing
        if decided:
            verb = "upheld" if upheld else "dismissed"
            self.message_user(request, f"{plural(decided, 'report')} {verb}.", messages.SUCCESS)
        for listing_id, listing in after.items():
            was, now = before[listing_id], listing.status
            if now == Status.REMOVED and was != now:
                self.message_user(request, f"“{listing.title}” was removed.", messages.SUCCESS)
            elif now == Status.PUBLISHED and was != now:
                self.message_user(
                    request, f"“{listing.title}” is published again.", messages.SUCCESS
                )
            elif upheld and now == Status.PUBLISHED:
                self.message_user(
                    request,
                    f"“{listing.title}” is still published; suspend it from its listing "
                    "page if it should come down.",
                    messages.WARNING,
                )

    @admin.action(
        description="Uphold selected reports (remove the listing)", permissions=["change"]
    )
    def uphold(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, upheld=True)

    @admin.action(description="Dismiss selected reports", permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, upheld=False)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "listing_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(listing_count=Count("listings"))

    @admin.display(description="listings", ordering="listing_count")
    def listing_count(self, obj) -> int:
        return obj.listing_count


@admin.register(Skill)
class SkillAdmin(IndustryAdmin):
    pass


# --- Organizations in the staff site: their listings ------------------------------------


class OrganizationListingInline(ReadOnlyInline):
    """An organization's listings, newest first, each linking to its moderation page."""

    model = Listing
    verbose_name_plural = "listings"
    fields = ["listing_link", "status", "application_deadline", "fee", "currency", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]

    @admin.display(description="listing")
    def listing_link(self, listing: Listing) -> str:
        url = reverse("admin:listings_listing_change", args=[listing.pk])
        return format_html('<a href="{}">{}</a>', url, listing.title)


# Listings depend on accounts, not the other way round: the organization page gains its
# listings here rather than in accounts/admin.py.
admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationWithListingsAdmin(OrganizationAdmin):
    inlines = [*OrganizationAdmin.inlines, OrganizationListingInline]
