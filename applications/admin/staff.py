"""Applications in the staff site (/staff/): every application and all feedback, read-only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

from applications.admin.common import DECISION_DATES, ApplicationEventInline, ApplicationPagesMixin
from applications.admin.todo import left_undecided
from applications.models import Application, Feedback
from backoffice.changelists import LargeTableAdminMixin
from backoffice.filters import OneChoiceFilter
from backoffice.readonly import ReadOnlyAdminMixin
from backoffice.search import IndexedSearchMixin


class DecisionOverdueFilter(OneChoiceFilter):
    """Applications left without a decision long after their listing's deadline."""

    title = "decision"
    parameter_name = "decision"
    choice = ("overdue", "Overdue")

    def narrow(self, queryset):
        return left_undecided(queryset)


class PaymentLateFilter(OneChoiceFilter):
    """Completed engagements whose payment is still unconfirmed after the escalation delay."""

    title = "payment"
    parameter_name = "payment_late"

    @property
    def choice(self) -> tuple[str, str]:
        return ("1", f"unconfirmed {settings.PAYMENT_ESCALATION_DAYS} days after completion")

    def narrow(self, queryset):
        return queryset.unpaid_after(settings.PAYMENT_ESCALATION_DAYS)


@admin.register(Application)
class ApplicationAdmin(
    ApplicationPagesMixin,
    ReadOnlyAdminMixin,
    IndexedSearchMixin,
    LargeTableAdminMixin,
    admin.ModelAdmin,
):
    """Every application, read-only: staff follow engagements; decisions are the employers'."""

    # The application's own page is the student's.
    view_on_site = False
    list_display = [
        "student",
        "listing",
        "organization",
        "status",
        "created_at",
        "decided_at",
        "completed_at",
    ]
    list_filter = ["status", "payment_status", PaymentLateFilter, DecisionOverdueFilter]
    list_select_related = ["student", "listing__organization"]
    search_fields = [
        "student__email",
        "student__first_name",
        "student__last_name",
        "listing__title",
        "listing__organization__name",
    ]
    date_hierarchy = "created_at"
    inlines = [ApplicationEventInline]
    fieldsets = [
        (None, {"fields": ["student", "listing_link", "organization", "status"]}),
        (
            "What the student sent",
            {"fields": ["pitch_text", "availability_confirmed", "resume_file"]},
        ),
        ("The work", {"fields": ["work_links_list", "work_note", "employer_message"]}),
        (
            "Payment",
            {
                "fields": [
                    "payment_status",
                    "paid_on",
                    "payment_amount",
                    "payment_reference",
                    "payment_recorded_at",
                    "payment_confirmed_at",
                ]
            },
        ),
        (
            "Dates",
            {"fields": ["created_at", *DECISION_DATES]},
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    @admin.display(description="organization", ordering="listing__organization__name")
    def organization(self, obj: Application) -> str:
        return str(obj.listing.organization)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Both sides' feedback, read-only: staff see every rating, students' included."""

    list_display = [
        "application",
        "organization",
        "author_role",
        "rating",
        "public",
        "created_at",
    ]
    list_filter = ["author_role", "rating", "public"]
    list_select_related = ["application__student", "application__listing__organization"]
    search_fields = [
        "application__student__email",
        "application__listing__title",
        "application__listing__organization__name",
        "comment",
    ]
    fields = [
        "application",
        "organization",
        "author_role",
        "author",
        "rating",
        "comment",
        "public",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="organization", ordering="application__listing__organization__name")
    def organization(self, obj: Feedback) -> str:
        return str(obj.application.listing.organization)
