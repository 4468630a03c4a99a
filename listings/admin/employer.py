"""Listings in the employer site (/employer/): organizations write, submit, close or cancel them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import Organization
from accounts.sites import OrganizationScopedAdmin, employer_site
from backoffice.history import EmployerHistoryMixin
from backoffice.steps import step_action
from backoffice.widgets import ChoicePicker
from listings.admin.common import (
    COMPLETE_STEP,
    PROJECT_FIELDS,
    ListingEventInline,
    ListingStepsMixin,
    Status,
    listing_step,
    listing_steps,
    plural,
    reason_label,
    refusal_message,
    status_label,
)
from listings.admin_forms import EmployerListingForm
from listings.models import Listing

EMPLOYER_STEPS = listing_steps(
    listing_step(
        "close",
        "Close early",
        "{count} closed to new applications.",
        button="Close to new applications",
        intro="Students can no longer apply. Applications you already have stay open for review.",
        text_label="Why (optional)",
    ),
    listing_step(
        "cancel",
        "Cancel the project",
        "{count} cancelled.",
        intro="The project is called off for good; it cannot be reopened.",
        text_label="Why the project is cancelled",
        text_required=True,
        text_help="Applicants will see this.",
    ),
    COMPLETE_STEP,
)


class EmployerListingEventInline(EmployerHistoryMixin, ListingEventInline):
    """The same history for the organization; staff appear as the career center."""


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
    # As many rows as the large lists: an organization with hundreds of listings got 100
    # rows, and rendering the rows is most of the page's time.
    list_per_page = 50
    inlines = [EmployerListingEventInline]
    actions = ["submit_for_review", "close_early", "cancel_listings", "complete_projects"]
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
                {"fields": PROJECT_FIELDS},
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
                        "also_provided",
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
            kwargs["widget"] = ChoicePicker(group_label="Skills", filter_label="Find a skill")
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

    def listing_context(self, request: HttpRequest, listing: Listing) -> dict:
        context = {
            **super().listing_context(request, listing),
            "waiting_for_review": listing.status == Status.SUBMITTED,
            "can_submit": "submit" in listing.allowed_transitions(),
        }
        if listing.status in {Status.CHANGES_REQUESTED, Status.REJECTED}:
            context["moderation_feedback"] = {
                "status": status_label(listing.status),
                "reason": reason_label(listing.moderation_reason),
                "note": listing.moderation_note,
                "can_resubmit": listing.status == Status.CHANGES_REQUESTED,
            }
        return context

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

    close_early = step_action("close", "Close selected listings early…")
    cancel_listings = step_action("cancel", "Cancel selected projects…")
    complete_projects = step_action("complete", "Mark selected projects completed…")
