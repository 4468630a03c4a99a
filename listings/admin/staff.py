"""Listings in the staff site (/staff/): the moderation queue, reports, skills, industries."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from accounts.admin import OrganizationAdmin
from accounts.models import Organization
from backoffice.filters import DefaultFilterMixin, StatusFilter
from backoffice.history import HistoryInline, ReadOnlyInline
from backoffice.readonly import ReadOnlyAdminMixin
from backoffice.steps import step_action
from listings.admin.common import (
    PROJECT_FIELDS,
    ListingEventInline,
    ListingStepsMixin,
    Status,
    listing_step,
    listing_steps,
    paragraphs,
    plural,
    reason_label,
    refusal_message,
)
from listings.diff import word_diff
from listings.models import Industry, Listing, ListingReport, ListingReportEvent, Skill

#: Staff act on listings through steps: the actions need the change permission.
CHANGE = ["change"]

#: Shown to the organization beside the reason code it goes with.
WITH_THE_REASON = "Shown to the organization with the reason."

STAFF_STEPS = listing_steps(
    listing_step(
        "approve",
        "Approve and publish",
        "{count} approved and published.",
        intro="These listings will be published and their organizations told.",
    ),
    listing_step(
        "request_changes",
        "Request changes",
        "{count} sent back for changes.",
        button="Send back for changes",
        intro="The organization sees the reason and your comment and can submit again.",
        reason=True,
        text_label="What to change",
        text_help=WITH_THE_REASON,
    ),
    listing_step(
        "reject",
        "Reject",
        "{count} rejected.",
        intro="A rejected listing cannot be submitted again.",
        reason=True,
        text_label="Why it is rejected",
        text_help=WITH_THE_REASON,
    ),
    listing_step(
        "suspend",
        "Suspend",
        "{count} suspended.",
        intro="Suspended listings are hidden from students until you reinstate or remove them.",
        reason=True,
    ),
    listing_step(
        "reinstate",
        "Reinstate",
        "{count} published again.",
        intro="These listings will be visible to students again.",
    ),
    listing_step(
        "remove",
        "Remove",
        "{count} removed.",
        button="Remove for good",
        intro="Removed listings stay hidden for good. Their applicants are told the project "
        "will not go ahead, and open offers and engagements end.",
        reason=True,
    ),
    listing_step(
        "complete",
        "Mark the project completed",
        "{count} marked completed.",
        intro="The project is done. Applicants still waiting and open offers are closed, "
        "each student told; engagements still in progress must be completed or marked "
        "incomplete first.",
    ),
)


class ListingStatusFilter(StatusFilter):
    status_choices = Status.choices


class ReportStatusFilter(StatusFilter):
    status_choices = ListingReport.Status.choices


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdminMixin, DefaultFilterMixin, ListingStepsMixin, admin.ModelAdmin):
    """Moderation: the queue of listings waiting for review, riskiest and oldest first.

    Staff read listings as the organization wrote them; changes go through transitions.
    """

    changes_through_actions = True

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
    actions = [
        "approve",
        "request_changes",
        "reject",
        "suspend",
        "reinstate",
        "remove",
        "complete",
    ]
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
            {"fields": ["organization_link", *PROJECT_FIELDS]},
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
            # The queue in the order the queryset defines it, so the two never differ.
            return list(Listing.objects.awaiting_moderation().query.order_by)
        return ["-updated_at"]

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

    approve = step_action("approve", "Approve and publish selected listings…", permissions=CHANGE)
    request_changes = step_action(
        "request_changes", "Request changes to selected listings…", permissions=CHANGE
    )
    reject = step_action("reject", "Reject selected listings…", permissions=CHANGE)
    suspend = step_action("suspend", "Suspend selected listings…", permissions=CHANGE)
    reinstate = step_action("reinstate", "Reinstate selected listings…", permissions=CHANGE)
    remove = step_action("remove", "Remove selected listings…", permissions=CHANGE)
    complete = step_action("complete", "Mark selected projects completed…", permissions=CHANGE)


class ListingReportEventInline(HistoryInline):
    """A report's resolution: who upheld or dismissed it, and when."""

    model = ListingReportEvent
    status_choices = ListingReport.Status
    fields = ["created_at", "actor_name", "from_label", "to_label", "note"]
    readonly_fields = fields


@admin.register(ListingReport)
class ListingReportAdmin(ReadOnlyAdminMixin, DefaultFilterMixin, admin.ModelAdmin):
    """Students' reports: uphold (the listing comes down) or dismiss (it goes back up)."""

    changes_through_actions = True

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
    inlines = [ListingReportEventInline]
    actions = ["uphold", "dismiss"]

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
# listings here rather than in accounts/admin/.
admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationWithListingsAdmin(OrganizationAdmin):
    inlines = [*OrganizationAdmin.inlines, OrganizationListingInline]
