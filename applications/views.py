"""The student side of applications: apply, the dashboard, one application and its actions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateformat import format as format_date
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin
from django_ratelimit.core import is_ratelimited

from accounts.models import StudentProfile
from applications.calendar import deadlines_calendar, student_deadlines
from applications.forms import (
    ApplyForm,
    FeedbackForm,
    PaymentMissingForm,
    SubmitWorkForm,
    TestimonialForm,
)
from applications.models import AlreadyApplied, Application, CalendarFeed, Feedback, NextStep
from listings.models import Listing
from listings.models.querysets import CARD_UNUSED_FIELDS


def _profile(user) -> StudentProfile | None:
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist:
        return None


# --- Apply ---------------------------------------------------------------------------------


class ApplyView(LoginRequiredMixin, FormView):
    """Apply to an open listing (students only): a pitch, availability and a résumé."""

    form_class = ApplyForm
    template_name = "applications/apply.html"
    students_only_template_name = "applications/apply_students_only.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.listing = get_object_or_404(
            Listing.objects.visible_to(request.user).select_related("organization"),
            slug=kwargs["slug"],
        )
        self.profile = _profile(request.user)
        if self.profile is None:
            return render(
                request, self.students_only_template_name, {"listing": self.listing}, status=403
            )
        existing = Application.objects.for_student(request.user).filter(listing=self.listing)
        if application := existing.first():
            messages.info(request, f"You already applied to “{self.listing.title}”. Here it is.")
            return redirect(application)
        if not self.listing.is_open:
            messages.error(
                request,
                f"“{self.listing.title}” no longer accepts applications. "
                "Browse the open projects for another one.",
            )
            return redirect(self.listing)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "listing": self.listing, "profile": self.profile}

    def get_context_data(self, **kwargs):
        return super().get_context_data(listing=self.listing, profile=self.profile, **kwargs)

    def _is_limited(self, *, increment: bool) -> bool:
        """Per student, and per network address (many accounts from one place)."""
        limits = [("user", settings.APPLY_RATE_LIMIT), ("ip", settings.APPLY_ADDRESS_RATE_LIMIT)]
        # Every counter moves on each application, so the list is built whole before any().
        limited = [
            is_ratelimited(self.request, group="apply", key=key, rate=rate, increment=increment)
            for key, rate in limits
        ]
        return any(limited)

    def _rate_limited(self, form: ApplyForm) -> HttpResponse:
        context = self.get_context_data(form=form, rate_limited=True)
        return self.render_to_response(context, status=429)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self._is_limited(increment=False):
            return self._rate_limited(self.get_form())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ApplyForm) -> HttpResponse:
        if self._is_limited(increment=True):
            return self._rate_limited(form)
        try:
            application = Application.submit(
                listing=self.listing,
                student=self.request.user,
                pitch=form.cleaned_data["pitch"],
                availability_confirmed=form.cleaned_data["availability_confirmed"],
                resume=form.cleaned_data.get("resume"),
            )
        except AlreadyApplied as already:
            messages.info(self.request, f"You already applied to “{self.listing.title}”.")
            return redirect(already.application)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Your application to “{self.listing.title}” is sent. "
            f"{self.listing.organization.name} decides after applications close; "
            "we will email you when anything changes.",
        )
        return redirect(application)


# --- Dashboard and one application ------------------------------------------------------------


def _when(step: NextStep | None) -> dict:
    """How to show a next step's date: with the time for a moment, without for a day."""
    if step is None or step.due is None:
        return {"step": step, "has_time": False}
    return {"step": step, "has_time": isinstance(step.due, datetime.datetime)}


class StudentApplicationsMixin(LoginRequiredMixin):
    """Only the signed-in student's own applications: any other id is a 404."""

    def get_queryset(self):
        return Application.objects.for_student(self.request.user).with_dashboard_data()


class ApplicationListView(StudentApplicationsMixin, ListView):
    """The student's applications and engagements, grouped by what happens next."""

    template_name = "applications/application_list.html"
    context_object_name = "applications"
    #: Columns the dashboard never shows, left unread for each of the student's applications:
    #: the long texts and JSON of the application and of its listing (decoded row by row).
    UNUSED_FIELDS = (
        "pitch",
        "work_links",
        "work_note",
        "employer_message",
        *(f"listing__{name}" for name in CARD_UNUSED_FIELDS),
    )

    GROUPS = [
        (
            "current",
            "Offers and current work",
            {Application.Status.OFFERED} | Application.IN_PROGRESS,
        ),
        ("waiting", "Waiting for a decision", Application.PRE_OFFER),
        ("finished", "Finished", Application.FINAL),
    ]

    def get_queryset(self):
        return super().get_queryset().defer(*self.UNUSED_FIELDS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [
            {"application": a, "engaged": a.status in Application.ENGAGED, **_when(a.next_step)}
            for a in context["applications"]
        ]
        context["groups"] = [
            {
                "key": key,
                "title": title,
                "rows": [row for row in rows if row["application"].status in statuses],
            }
            for key, title, statuses in self.GROUPS
        ]
        context["is_student"] = _profile(self.request.user) is not None
        if context["is_student"]:
            feed = CalendarFeed.objects.filter(user=self.request.user).first()
            context["calendar_feed_url"] = (
                self.request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
            )
        return context


class ApplicationDetailView(StudentApplicationsMixin, DetailView):
    """One application: the listing, the pitch, the timeline and the actions open now."""

    template_name = "applications/application_detail.html"
    context_object_name = "application"

    def get_queryset(self):
        return super().get_queryset().with_timeline()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(detail_context(self.object))
        return context


def detail_context(application: Application, **forms) -> dict:
    """Everything the application page shows; bound forms with errors may be passed in."""
    now = timezone.now()
    student_feedback = application.feedback_given_by(Feedback.Author.STUDENT)
    employer_feedback = application.feedback_given_by(Feedback.Author.EMPLOYER)
    completed = application.status == Application.Status.COMPLETED
    context = {
        "listing": application.listing,
        # Whether the student can still open the project's public page (it links there).
        "listing_public": Listing.objects.public().filter(pk=application.listing_id).exists(),
        "timeline": [
            {"event": event, "actor": event.actor_for_student(application)}
            for event in application.events.all()
        ],
        "shows_due_date": application.status in Application.ENGAGED,
        "offer_open": "accept" in application.allowed_transitions()
        and application.offer_expires_at is not None
        and application.offer_expires_at >= now,
        "student_feedback": student_feedback,
        "employer_feedback": employer_feedback,
        "feedback_edit_days": settings.FEEDBACK_EDIT_DAYS,
        "can_give_feedback": completed
        and (student_feedback is None or student_feedback.is_editable),
        **_when(application.next_step),
    }
    if application.can_submit_work:
        context["submit_work_form"] = forms.get("submit_work_form") or SubmitWorkForm(
            initial={"links": "\n".join(application.work_links), "note": application.work_note}
        )
    if context["can_give_feedback"]:
        initial = (
            {"rating": student_feedback.rating, "comment": student_feedback.comment}
            if student_feedback
            else {}
        )
        context["feedback_form"] = forms.get("feedback_form") or FeedbackForm(initial=initial)
    payment_answers = application.allowed_transitions(Application.PAYMENT)
    context["can_confirm_payment"] = "confirm_payment" in payment_answers
    if "report_payment_missing" in payment_answers:
        context["payment_missing_form"] = forms.get("payment_missing_form") or PaymentMissingForm()
    if employer_feedback is not None:
        context["testimonial_form"] = TestimonialForm(
            initial={"public": "0" if employer_feedback.public else "1"}
        )
    return context


# --- Actions: POST-only, one model call each -------------------------------------------------


class ApplicationActionView(StudentApplicationsMixin, SingleObjectMixin, View):
    """Base for the student's actions on an application: scoped, one call, a message, back."""

    http_method_names = ["get", "post"]
    form_class: type | None = None
    form_context_name = ""
    success_message = ""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Actions change state only by POST; a stray GET (e.g. after signing in) goes to the page.
        return redirect(self.get_object())

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = application = self.get_object()
        form = None
        if self.form_class is not None:
            form = self.form_class(request.POST)
            if not form.is_valid():
                return self.form_invalid(form)
        try:
            message = self.perform(application, form)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message or self.success_message)
        return redirect(application)

    def form_invalid(self, form) -> HttpResponse:
        context = {
            "application": self.object,
            **detail_context(self.object, **{self.form_context_name: form}),
        }
        return render(self.request, ApplicationDetailView.template_name, context, status=400)

    def perform(self, application: Application, form) -> str | None:
        raise NotImplementedError


class ApplicationWithdrawView(ApplicationActionView):
    """The student withdraws before accepting."""

    def perform(self, application: Application, form) -> str:
        application.withdraw(by=self.request.user)
        return (
            f"You withdrew your application to “{application.listing.title}”. "
            f"{application.listing.organization.name} has been told."
        )


class ApplicationAcceptView(ApplicationActionView):
    """The student accepts the offer."""

    def perform(self, application: Application, form) -> str:
        application.accept(by=self.request.user)
        return (
            "You accepted the offer. The work is due on "
            f"{format_date(application.listing.due_date, 'l j F Y')}; good luck!"
        )


class ApplicationDeclineView(ApplicationActionView):
    """The student declines the offer."""

    def perform(self, application: Application, form) -> str:
        application.decline(by=self.request.user)
        return f"You declined the offer. {application.listing.organization.name} has been told."


class ApplicationSubmitWorkView(ApplicationActionView):
    """The student hands in links to the work and a note."""

    form_class = SubmitWorkForm
    form_context_name = "submit_work_form"

    def perform(self, application: Application, form: SubmitWorkForm) -> str:
        application.submit_work(
            by=self.request.user,
            links=form.cleaned_data["links"],
            note=form.cleaned_data["note"],
        )
        return (
            f"Your work is submitted. {application.listing.organization.name} will review it "
            "and confirm, or ask for changes."
        )


class ApplicationFeedbackView(ApplicationActionView):
    """The student rates the experience (and may change it for a few days)."""

    form_class = FeedbackForm
    form_context_name = "feedback_form"

    def perform(self, application: Application, form: FeedbackForm) -> str:
        feedback = Feedback.give(
            application=application,
            author=self.request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        return (
            "Thank you for your feedback. You can change it until "
            f"{format_date(timezone.localtime(feedback.editable_until), 'j F Y')}."
        )


class ApplicationTestimonialView(ApplicationActionView):
    """The student shows or hides the organization's testimonial on their portfolio."""

    form_class = TestimonialForm
    form_context_name = "testimonial_form"

    def perform(self, application: Application, form: TestimonialForm) -> str:
        testimonial = application.feedback_given_by(Feedback.Author.EMPLOYER)
        if testimonial is None:
            raise ValidationError(
                f"{application.listing.organization.name} has not written a testimonial yet."
            )
        public = form.cleaned_data["public"]
        testimonial.set_public(by=self.request.user, public=public)
        if not public:
            return "The testimonial is hidden from your portfolio."
        profile = _profile(self.request.user)
        if profile is not None and profile.portfolio_public:
            return "The testimonial is shown on your public portfolio."
        return (
            "The testimonial will be shown on your portfolio once you make it public "
            "on your profile."
        )


class ApplicationConfirmPaymentView(ApplicationActionView):
    """The student confirms the organization's payment reached them."""

    def perform(self, application: Application, form) -> str:
        application.confirm_payment(by=self.request.user)
        return (
            f"Thank you: the payment is confirmed. {application.listing.organization.name} "
            "has been told."
        )


class ApplicationPaymentMissingView(ApplicationActionView):
    """The student says the recorded payment has not arrived."""

    form_class = PaymentMissingForm
    form_context_name = "payment_missing_form"

    def perform(self, application: Application, form: PaymentMissingForm) -> str:
        application.report_payment_missing(by=self.request.user, note=form.cleaned_data["note"])
        return (
            f"{application.listing.organization.name} has been told the payment has not "
            "arrived. Confirm it here once it does; the career center follows up payments "
            "still unconfirmed three weeks after the work."
        )


# --- Calendar --------------------------------------------------------------------------------


def calendar_response(request: HttpRequest, user, *, filename: str) -> HttpResponse:
    """One student's deadlines feed; never stored by a shared cache."""
    body = deadlines_calendar(student_deadlines(user), absolute=request.build_absolute_uri)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_store=True)
    return response


class DeadlinesCalendarView(LoginRequiredMixin, View):
    """The signed-in student's deadlines as an .ics file to import into a calendar."""

    filename = "microintern-deadlines.ics"

    def get(self, request: HttpRequest) -> HttpResponse:
        return calendar_response(request, request.user, filename=self.filename)


class CalendarFeedView(View):
    """The same calendar at the student's private address, for calendar apps to subscribe to.

    The token is the only credential: the view never reads the session or the signed-in
    user, so whoever holds the address gets the same answer, and calendar apps (which
    cannot sign in) get it too. An unknown or reset token is a 404.
    """

    filename = "microintern-deadlines.ics"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        feed = get_object_or_404(
            CalendarFeed.objects.select_related("user"), token=token, user__is_active=True
        )
        return calendar_response(request, feed.user, filename=self.filename)


class CalendarFeedIssueView(LoginRequiredMixin, View):
    """Give the student a private calendar address, or a new one that revokes the old."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if _profile(request.user) is None:
            raise Http404("Only students have a calendar address.")
        _feed, first = CalendarFeed.issue(request.user)
        if first:
            message = (
                "Your private calendar address is ready: copy it into your calendar app "
                "to see your deadlines there."
            )
        else:
            message = (
                "Your calendar has a new address. Calendars subscribed to the old address no "
                "longer receive your deadlines: subscribe again with the new address below."
            )
        messages.success(request, message)
        return redirect(f"{reverse('applications:list')}#calendar")
