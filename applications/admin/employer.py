"""Applicants in the employer site (/employer/): read, decide, confirm the work, give feedback."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from accounts.sites import OrganizationScopedAdmin, employer_site
from applications.admin.common import (
    DECISION_DATES,
    EMPTY,
    ApplicationEventInline,
    Status,
    paragraphs,
    resume_link,
    skills_match_text,
    web_link,
    work_links_html,
)
from applications.admin.todo import feedback_due
from applications.admin_forms import ApplicationStepForm, EmployerFeedbackForm, RecordPaymentForm
from applications.models import Application, ApplicationEvent, Feedback
from backoffice.changelists import LargeTableAdminMixin
from backoffice.filters import RecentChoicesFilter
from backoffice.history import EmployerHistoryMixin
from backoffice.readonly import ReadOnlyAdminMixin
from backoffice.search import IndexedSearchMixin
from backoffice.steps import AdminStepsMixin, Step, step_action, step_table
from listings.models import Listing

# --- Decisions with their words -------------------------------------------------------------


#: Deciding on applicants takes membership of the organization (has_review_permission).
REVIEW = ["review"]


def one_at_a_time_with_words(text_kwarg: str, text_label: str) -> dict:
    """A decision taken on one applicant at a time, with words the student must be given."""
    return {
        "text_kwarg": text_kwarg,
        "text_label": text_label,
        "text_required": True,
        "text_help": "Sent to the student and kept in the application's history.",
        "bulk": False,
    }


#: What a student is told when not selected, unless the employer writes their own words.
NOT_SELECTED_MESSAGE = (
    "Thank you for your application and for the time you put into it. We chose another "
    "applicant for this project; we hope to see you apply to our next one."
)

EMPLOYER_STEPS = step_table(
    Step(
        name="shortlist",
        title="Shortlist",
        done="Shortlisted {names}.",
        intro="The students are told they are on the shortlist.",
    ),
    Step(
        name="offer",
        title="Make an offer",
        button="Send the offer",
        done="Offer sent to {names}.",
        intro=(
            "Each student is told and can accept or decline; an offer that is not answered "
            "in time expires. Offers out and accepted students together never exceed the "
            "listing's openings."
        ),
        text_kwarg="message",
        text_label="Message to the student",
        text_help="Optional. Sent with the offer: for example, how and when you would start.",
    ),
    Step(
        name="not_select",
        title="Not selected",
        button="Mark not selected",
        done="Marked not selected: {names}. Each student is told.",
        intro="Each student is told that they were not selected, with the message below.",
        text_kwarg="message",
        text_label="Message to the students",
        text_help="Sent to each student with the news. Change it or clear it as you wish.",
        text_initial=NOT_SELECTED_MESSAGE,
    ),
    Step(
        name="complete",
        title="Mark work complete",
        button="Mark complete",
        done="Work marked complete for {names}; feedback is open.",
        intro="You confirm the deliverables. The engagement ends and feedback opens on both sides.",
    ),
    Step(
        name="request_revision",
        title="Request a revision",
        button="Send back for revision",
        done="Revision requested from {names}.",
        intro="The student sees your note, revises the work and submits it again.",
        **one_at_a_time_with_words("note", "What should change"),
    ),
    Step(
        name="mark_incomplete",
        title="Mark incomplete",
        button="Mark not completed",
        done="Marked not completed: {names}.",
        intro="The engagement ends without the deliverables. This cannot be undone.",
        **one_at_a_time_with_words("reason", "Why the work was not completed"),
    ),
    Step(
        name="record_payment",
        title="Record the payment",
        done="Payment recorded for {names}; the student is asked to confirm it arrived.",
        intro=(
            "Once you have paid the student, say when and how much. The student is asked to "
            "confirm the money arrived, or to tell you it has not."
        ),
        form=RecordPaymentForm,
        offered_if="payment_due",
        bulk=False,
    ),
    lifecycle=[Application.TRANSITIONS, Application.PAYMENT],
)


class EmployerApplicationEventInline(EmployerHistoryMixin, ApplicationEventInline):
    """The same history for the organization: the student named as such, staff as the career center."""

    @admin.display(description="by")
    def actor_name(self, event: ApplicationEvent) -> str:
        actor = event.actor
        if actor is not None and actor.pk == event.application.student_id:
            return f"{actor.display_name} (student)"
        return super().actor_name(event)


class OwnListingFilter(RecentChoicesFilter):
    """Narrow to one of the organization's listings: the sidebar offers the most recent ones
    that have applicants; any other is found with the search box or from its own link."""

    title = "listing"
    parameter_name = "listing"
    field_path = "listing_id"
    others_help = (
        "Only your most recent listings with applicants are shown here: search for a "
        "listing's title to find the applicants to an older one."
    )

    def choosable(self, request, model_admin) -> QuerySet:
        return Listing.objects.filter(organization__in=model_admin.organizations(request))

    def offered(self, request, model_admin) -> QuerySet:
        return self.choosable(request, model_admin).filter(
            pk__in=Application.objects.values("listing_id")
        )


class FeedbackToGiveFilter(admin.SimpleListFilter):
    """Completed engagements still waiting for the organization's feedback."""

    title = "your feedback"
    parameter_name = "feedback"

    def lookups(self, request, model_admin):
        return [("due", "Still to give")]

    def queryset(self, request, queryset):
        return feedback_due(queryset) if self.value() == "due" else queryset


@admin.register(Application, site=employer_site)
class EmployerApplicationAdmin(
    ReadOnlyAdminMixin,
    IndexedSearchMixin,
    LargeTableAdminMixin,
    AdminStepsMixin,
    OrganizationScopedAdmin,
):
    """The organization's applicants: read what they sent, decide, confirm the work, give feedback.

    Applications are the students' words: employers read them and decide through actions.
    """

    organization_field = "listing__organization"
    change_form_template = "admin/applications/application/employer_change_form.html"
    # The application's own page is the student's; employers stay in this site.
    view_on_site = False
    list_display = ["student_name", "listing_title", "status", "skills_match", "applied_on"]
    empty_value_display = EMPTY
    list_display_links = ["student_name"]
    list_filter = [OwnListingFilter, "status", "payment_status", FeedbackToGiveFilter]
    search_fields = ["student__first_name", "student__last_name", "listing__title"]
    search_help_text = "Search by the student's name or the listing's title."
    list_select_related = ["student", "listing__organization"]
    inlines = [EmployerApplicationEventInline]
    actions = [
        "shortlist",
        "offer",
        "not_select",
        "complete",
        "request_revision",
        "mark_incomplete",
    ]
    steps = EMPLOYER_STEPS
    step_form = ApplicationStepForm
    step_object_name, step_object_name_plural = "applicant", "applicants"
    step_checks_status_on_open = True
    fieldsets = [
        (
            None,
            {"fields": ["student_name", "listing_link", "status", "skills_match", "created_at"]},
        ),
        (
            "What the student sent",
            {"fields": ["pitch_text", "availability", "resume_file"]},
        ),
        (
            "The student's profile",
            {
                "fields": [
                    "profile_school",
                    "profile_program",
                    "profile_graduation_year",
                    "profile_skills",
                    "profile_links",
                    "profile_weekly_hours",
                    "profile_bio",
                ]
            },
        ),
        (
            "The work",
            {"fields": ["work_links_list", "work_note_text", "employer_message_text"]},
        ),
        (
            "Payment",
            {"fields": ["payment_status", "payment_text"]},
        ),
        (
            "Dates",
            {
                "fields": DECISION_DATES,
                "classes": ["collapse"],
            },
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_skills_match()

    def get_search_scopes(self, request: HttpRequest) -> dict[str, QuerySet]:
        # A title is looked for among the organization's listings, not every listing.
        return {"listing": Listing.objects.filter(organization__in=self.organizations(request))}

    def get_urls(self):
        return [
            self.own_path("<path:object_id>/feedback/", self.feedback_view, "feedback"),
            *super().get_urls(),
        ]

    def has_review_permission(self, request: HttpRequest) -> bool:
        """Membership in the organization lets a person decide on its applicants."""
        return self.admin_site.has_permission(request)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = self.fieldsets
        if obj is not None and not self._has_work_section(obj):
            fieldsets = [fs for fs in fieldsets if fs[0] != "The work"]
        if obj is not None and obj.status != Status.COMPLETED:
            fieldsets = [fs for fs in fieldsets if fs[0] != "Payment"]
        return fieldsets

    @staticmethod
    def _has_work_section(obj: Application) -> bool:
        started = Application.ENGAGED | {Status.INCOMPLETE}
        return bool(obj.status in started or obj.work_links or obj.employer_message)

    # Pages ------------------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {"title": "Applicants", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        if application is not None:
            if request.method == "GET":
                application.mark_viewed(by=request.user)
            extra_context = {**(extra_context or {}), **self.review_context(request, application)}
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        application = self.get_object(request, unquote(object_id))
        if application is not None:
            name = application.student.display_name
            extra_context = {**(extra_context or {}), "title": f"History: {name}"}
        return super().history_view(request, object_id, extra_context)

    def review_context(self, request: HttpRequest, application: Application) -> dict:
        """The decisions open now, the feedback section and the organization's rating."""
        name = application.student.display_name
        context = {
            # Names the applicant as a person, not by the email address in str().
            "subtitle": f"{name} — {application.listing.title}",
            "student_name": name,
            "organization": application.listing.organization,
            "organization_rating": Feedback.organization_rating(application.listing.organization),
            "show_feedback": application.status == Status.COMPLETED,
        }
        context["step_buttons"] = self.step_links(request, application)
        not_select = self.steps["not_select"]
        if context["step_buttons"] and application.status in not_select.allowed_from:
            context["quick_not_select"] = {
                "url": self.admin_url("step", application.pk, not_select.name),
                "message": NOT_SELECTED_MESSAGE,
            }
        if context["show_feedback"]:
            context.update(self.feedback_context(request, application))
        return context

    def feedback_context(self, request: HttpRequest, application: Application, form=None) -> dict:
        feedback = application.feedback.filter(author_role=Feedback.Author.EMPLOYER).first()
        if form is None and (feedback is None or feedback.is_editable):
            initial = {"rating": feedback.rating, "comment": feedback.comment} if feedback else {}
            form = EmployerFeedbackForm(initial=initial)
        return {
            "feedback": feedback,
            "feedback_form": form,
            "feedback_url": self.admin_url("feedback", application.pk),
            "feedback_edit_days": settings.FEEDBACK_EDIT_DAYS,
        }

    def feedback_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_review_permission(request):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404("No such application.")
        change_url = self.admin_url("change", application.pk)
        form = None
        if request.method == "POST":
            form = EmployerFeedbackForm(request.POST)
            if form.is_valid():
                self.give_feedback(request, application, **form.cleaned_data)
                return HttpResponseRedirect(change_url + "#feedback")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Feedback on {application.student.display_name}",
            "opts": self.opts,
            "application": application,
            "student_name": application.student.display_name,
            "change_url": change_url,
            **self.feedback_context(request, application, form=form),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/applications/application/feedback.html", context)

    def give_feedback(
        self, request: HttpRequest, application: Application, *, rating: int, comment: str
    ) -> None:
        name = application.student.display_name
        try:
            feedback = Feedback.give(
                application=application, author=request.user, rating=rating, comment=comment
            )
        except ValidationError as error:
            self.message_user(request, f"{name}: {' '.join(error.messages)}", messages.ERROR)
            return
        self.message_user(
            request,
            f"Your feedback on {name} is saved. You can change it until "
            f"{date_format(localtime(feedback.editable_until), 'j F Y, H:i')}.",
            messages.SUCCESS,
        )
        if getattr(feedback, "unpublished", False):
            self.message_user(
                request,
                f"{name} had published your testimonial on their portfolio: it is off the "
                "portfolio until they read the new version and publish it again.",
                messages.INFO,
            )

    # Decisions --------------------------------------------------------------------------------

    def has_step_permission(self, request: HttpRequest) -> bool:
        return self.has_review_permission(request)

    def step_object_label(self, application: Application) -> str:
        return application.student.display_name

    def step_object_details(self, application: Application) -> str:
        return f"{application.listing.title}, {application.get_status_display().lower()}"

    shortlist = step_action("shortlist", "Shortlist selected applicants", permissions=REVIEW)
    offer = step_action("offer", "Make an offer to selected applicants…", permissions=REVIEW)
    not_select = step_action(
        "not_select", "Mark selected applicants not selected…", permissions=REVIEW
    )
    complete = step_action(
        "complete", "Mark work complete for selected applicants", permissions=REVIEW
    )
    request_revision = step_action(
        "request_revision", "Request a revision of the work…", permissions=REVIEW
    )
    mark_incomplete = step_action(
        "mark_incomplete", "Mark the work incomplete…", permissions=REVIEW
    )

    # Display ------------------------------------------------------------------------------------

    @admin.display(description="student", ordering="student__last_name")
    def student_name(self, obj: Application) -> str:
        return obj.student.display_name

    @admin.display(description="listing", ordering="listing__title")
    def listing_title(self, obj: Application) -> str:
        return obj.listing.title

    @admin.display(description="listing")
    def listing_link(self, obj: Application) -> str:
        url = reverse(f"{self.admin_site.name}:listings_listing_change", args=[obj.listing_id])
        return format_html('<a href="{}">{}</a>', url, obj.listing.title)

    @admin.display(description="skills match", ordering="skills_matched")
    def skills_match(self, obj: Application) -> str:
        return skills_match_text(obj)

    @admin.display(description="applied", ordering="created_at")
    def applied_on(self, obj: Application):
        return obj.created_at

    @admin.display(description="pitch")
    def pitch_text(self, obj: Application) -> str:
        return paragraphs(obj.pitch)

    @admin.display(description="available until the due date")
    def availability(self, obj: Application) -> str:
        if obj.availability_confirmed:
            return f"Confirmed: can finish by {date_format(obj.listing.due_date, 'j F Y')}."
        return "Not confirmed."

    @admin.display(description="résumé")
    def resume_file(self, obj: Application) -> str:
        return resume_link(obj)

    def _profile(self, obj: Application):
        return getattr(obj.student, "student_profile", None)

    @admin.display(description="school")
    def profile_school(self, obj: Application) -> str:
        profile = self._profile(obj)
        return (profile.school if profile else "") or EMPTY

    @admin.display(description="program")
    def profile_program(self, obj: Application) -> str:
        profile = self._profile(obj)
        return (profile.program if profile else "") or EMPTY

    @admin.display(description="graduation year")
    def profile_graduation_year(self, obj: Application) -> str:
        profile = self._profile(obj)
        return str(profile.graduation_year) if profile and profile.graduation_year else EMPTY

    @admin.display(description="skills")
    def profile_skills(self, obj: Application) -> str:
        profile = self._profile(obj)
        has = {skill.pk: skill.name for skill in profile.skills.all()} if profile else {}
        wanted = {skill.pk: skill.name for skill in obj.listing.skills.all()}
        parts = []
        if wanted:
            parts.append(
                format_html(
                    "<p>{} the project asks for: {}</p>",
                    skills_match_text(obj),
                    ", ".join(
                        f"{name} ✓" if pk in has else f"{name} (not on the profile)"
                        for pk, name in wanted.items()
                    ),
                )
            )
        others = [name for pk, name in has.items() if pk not in wanted]
        if others:
            parts.append(format_html("<p>Also: {}</p>", ", ".join(others)))
        if not parts:
            return "No skills on the profile."
        return format_html_join("", "{}", ((part,) for part in parts))

    @admin.display(description="links")
    def profile_links(self, obj: Application) -> str:
        profile = self._profile(obj)
        if profile is None:
            return EMPTY
        links = [
            (label, url)
            for label, url in [
                ("Portfolio", profile.portfolio_url),
                ("GitHub", profile.github_url),
                ("LinkedIn", profile.linkedin_url),
            ]
            if url
        ]
        if not links:
            return EMPTY
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}: {}</li>", ((lbl, web_link(url)) for lbl, url in links)),
        )

    @admin.display(description="hours a week")
    def profile_weekly_hours(self, obj: Application) -> str:
        profile = self._profile(obj)
        return str(profile.weekly_hours) if profile and profile.weekly_hours else EMPTY

    @admin.display(description="bio")
    def profile_bio(self, obj: Application) -> str:
        profile = self._profile(obj)
        return paragraphs(profile.bio) if profile else EMPTY

    @admin.display(description="work links")
    def work_links_list(self, obj: Application) -> str:
        return work_links_html(obj)

    @admin.display(description="note with the work")
    def work_note_text(self, obj: Application) -> str:
        return paragraphs(obj.work_note)

    @admin.display(description="payment")
    def payment_text(self, obj: Application) -> str:
        if obj.payment_summary:
            return obj.payment_summary + "."
        return "Not recorded yet: record it once you have paid the student."

    @admin.display(description="your last message to the student")
    def employer_message_text(self, obj: Application) -> str:
        return paragraphs(obj.employer_message)
