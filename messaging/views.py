"""Conversations for the two sides (`/conversations/...`) and, for reported threads and calls
for help, the career center (`/staff/conversations/...`).

The student reads the thread on the application's page and the organization on the
application's page in the employer site; the views here take what they post and send them
back there. Anything that changes state is a POST.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_ratelimit.core import is_ratelimited

from applications.models import Application
from messaging.forms import CheckInForm, MessageForm, ReportForm
from messaging.models import (
    CheckIn,
    Message,
    MessageReport,
    Side,
    check_in_open,
    participating,
    side_of,
)
from messaging.notices import thread_link
from messaging.reminders import silent_engagements

# --- The two sides ------------------------------------------------------------------------


class ParticipantMixin(LoginRequiredMixin):
    """Only the student and the organization's members: any other application is a 404."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.application = get_object_or_404(participating(request.user), pk=kwargs["pk"])
        self.side = side_of(self.application, request.user)
        self.back = thread_link(self.application, request.user)
        return super().dispatch(request, *args, **kwargs)

    def page(self, template: str, status: int = 200, **context) -> HttpResponse:
        context = {
            "application": self.application,
            "listing": self.application.listing,
            "back": self.back,
            "side": self.side,
            **context,
        }
        return render(self.request, template, context, status=status)


class MessageWriteView(ParticipantMixin, View):
    """Add a message to the conversation (POST); a GET goes back to the thread."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return HttpResponseRedirect(self.back)

    def _is_limited(self) -> bool:
        limits = [
            ("user", settings.MESSAGE_RATE_LIMIT),
            ("ip", settings.MESSAGE_ADDRESS_RATE_LIMIT),
        ]
        # Both counters move on each message, so the list is built whole before any().
        limited = [
            is_ratelimited(self.request, group="message", key=key, rate=rate, increment=True)
            for key, rate in limits
        ]
        return any(limited)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = MessageForm(request.POST)
        if not form.is_valid():
            return self.page("messaging/message_form.html", 400, form=form)
        if self._is_limited():
            form.add_error(
                None,
                "You have sent many messages in a short time. Wait a little, then send "
                "this one again: what you wrote is still below.",
            )
            return self.page("messaging/message_form.html", 429, form=form)
        try:
            Message.write(
                application=self.application, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.page("messaging/message_form.html", 400, form=form)
        messages.success(request, "Your message is sent.")
        return HttpResponseRedirect(self.back)


class MessageReportView(ParticipantMixin, View):
    """Report a message written to you to the career center: a page to confirm, then POST."""

    def get_message(self) -> Message:
        other = Side.ORGANIZATION if self.side == Side.STUDENT else Side.STUDENT
        return get_object_or_404(
            Message.objects.filter(application=self.application, side=other).select_related(
                "author"
            ),
            pk=self.kwargs["message"],
        )

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        message = self.get_message()
        return self.page("messaging/report_form.html", form=ReportForm(), message=message)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        message = self.get_message()
        form = ReportForm(request.POST)
        if not form.is_valid():
            return self.page("messaging/report_form.html", 400, form=form, message=message)
        MessageReport.file(message=message, reporter=request.user, **form.cleaned_data)
        messages.success(
            request,
            "Thank you: the career center has the message and will read this conversation. "
            "Do not send money or personal details meanwhile.",
        )
        return HttpResponseRedirect(self.back)


class CheckInView(ParticipantMixin, View):
    """Halfway through the work: 'on track' or 'need help'. The emailed link opens this page;
    only its buttons (POST) record an answer."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        answered = CheckIn.objects.filter(application=self.application, side=self.side).first()
        return self.page(
            "messaging/check_in.html", answered=answered, open=check_in_open(self.application)
        )

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = CheckInForm(request.POST)
        if not form.is_valid():
            return self.page("messaging/check_in.html", 400, open=True, invalid=True)
        try:
            check_in = CheckIn.answer_for(
                application=self.application, by=request.user, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(self.back)
        if check_in.answer == CheckIn.Answer.NEED_HELP:
            messages.success(
                request,
                "The career center is told and will contact you. You can also write what is "
                "wrong in the conversation.",
            )
        else:
            messages.success(request, "Thank you: your answer is saved.")
        return HttpResponseRedirect(self.back)


# --- The career center ---------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class StaffMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Career-center staff only, on pages styled like the rest of /staff/."""

    def test_func(self) -> bool:
        # A visitor is sent to sign in; anyone else signed in is refused (403).
        return self.request.user.is_career_staff

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class ReportedMessagesView(StaffMixin, TemplateView):
    """Reported messages, the ones not yet reviewed first, each with its thread."""

    template_name = "messaging/staff/reports.html"

    def get_context_data(self, **kwargs):
        reports = MessageReport.objects.select_related(
            "message__application__listing__organization",
            "message__application__student",
            "reporter",
        ).order_by("reviewed_at", "-created_at")[:200]
        return super().get_context_data(title="Reported messages", reports=reports, **kwargs)


class ReportedThreadView(StaffMixin, TemplateView):
    """A conversation with a reported message: the only ones staff can read."""

    template_name = "messaging/staff/thread.html"

    def get_application(self) -> Application:
        reported = MessageReport.objects.filter(message__application=OuterRef("pk"))
        return get_object_or_404(
            Application.objects.filter(Exists(reported)).select_related(
                "listing__organization", "student"
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        application = self.get_application()
        thread = Message.objects.in_thread(application).prefetch_related(
            Prefetch("reports", queryset=MessageReport.objects.select_related("reporter"))
        )
        return super().get_context_data(
            title=f"Conversation: {application.student.display_name} and "
            f"{application.listing.organization}",
            application=application,
            thread=thread,
            open_reports=MessageReport.objects.filter(
                message__application=application, reviewed_at__isnull=True
            ).count(),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        application = self.get_application()
        done = MessageReport.review_thread(application, by=request.user)
        messages.success(request, f"Marked {done} report(s) reviewed.")
        return redirect("messaging_staff:reports")


class CheckInsView(StaffMixin, TemplateView):
    """Engagements whose check-in asks for help, or where nobody answered or wrote."""

    template_name = "messaging/staff/check_ins.html"

    def get_context_data(self, **kwargs):
        help_asked = CheckIn.objects.needing_help().select_related(
            "application__listing__organization", "application__student", "by"
        )
        return super().get_context_data(
            title="Check-ins that need the career center",
            help_asked=help_asked,
            silent=silent_engagements(),
            **kwargs,
        )


class CheckInHandledView(StaffMixin, View):
    """Staff took a call for help in hand (POST)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        check_in = get_object_or_404(CheckIn.objects.needing_help(), pk=kwargs["pk"])
        check_in.mark_handled(by=request.user)
        messages.success(request, "Marked handled.")
        return redirect(reverse("messaging_staff:check_ins"))
