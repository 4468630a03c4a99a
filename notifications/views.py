"""In-app notifications, email preferences and one-click unsubscribe."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, ListView

from notifications.forms import PreferencesForm
from notifications.models import Notification, NotificationPreference
from notifications.tokens import read_unsubscribe_token


def _site_hosts(request: HttpRequest) -> set[str]:
    return {urlsplit(settings.SITE_URL).netloc, request.get_host()}


def local_link(request: HttpRequest, link: str) -> str | None:
    """`link` if it stays on MicroIntern (a path, or a SITE_URL address), else None."""
    if not link:
        return None
    if url_has_allowed_host_and_scheme(
        link,
        allowed_hosts=_site_hosts(request),
        require_https=settings.SITE_URL.startswith("https"),
    ):
        return link
    return None


class NotificationListView(LoginRequiredMixin, ListView):
    """The signed-in person's notifications, newest first."""

    template_name = "notifications/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread_total"] = Notification.objects.for_user(self.request.user).unread().count()
        page = context.get("page_obj")
        context["page_range"] = (
            list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
            if page is not None and page.has_other_pages()
            else []
        )
        return context


class NotificationMarkReadView(LoginRequiredMixin, View):
    """POST: mark one of the person's notifications as read."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        notification.mark_read()
        messages.success(request, f"“{notification.subject}” marked as read.")
        return redirect(local_link(request, request.POST.get("next", "")) or "notifications:list")


class NotificationMarkAllReadView(LoginRequiredMixin, View):
    """POST: mark every notification of the person as read."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        count = Notification.objects.for_user(request.user).mark_read()
        if count:
            messages.success(
                request, f"{count} notification{'s' if count != 1 else ''} marked as read."
            )
        else:
            messages.info(request, "You had no unread notifications.")
        return redirect("notifications:list")


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a notification's link, marking it read on the way.

    A plain link (GET) so that it opens like any other, in a new tab too. Marking read
    changes only the person's own read receipt, idempotently, so a forged request can do
    no harm. Only links within MicroIntern are followed.
    """

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        notification.mark_read()
        target = local_link(request, notification.link)
        if target is None:
            if notification.link:
                messages.warning(
                    request, "That link leads away from MicroIntern, so it was not followed."
                )
            return redirect("notifications:list")
        return redirect(target)

    post = get


class PreferencesView(LoginRequiredMixin, FormView):
    """Which categories of notifications the person wants by email."""

    template_name = "notifications/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["current"] = NotificationPreference.for_user(self.request.user)
        return kwargs

    def form_valid(self, form: PreferencesForm) -> HttpResponse:
        changed = form.save(user=self.request.user)
        if changed:
            messages.success(self.request, "Your email preferences are saved.")
        else:
            messages.info(self.request, "Nothing changed.")
        return redirect("notifications:preferences")


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class UnsubscribeView(View):
    """One-click unsubscribe from a signed link: works without signing in (RFC 8058).

    GET only asks (mail scanners follow links); POST acts, including the one-click POST
    (`List-Unsubscribe=One-Click`) that mail clients send without a CSRF token. The
    signed token is the proof: it names one person and one category, nothing else.
    """

    template_name = "notifications/unsubscribe.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            self.request_for = read_unsubscribe_token(kwargs["token"])
        except signing.BadSignature:
            return self._invalid(request, status=400)
        self.person = get_user_model().objects.filter(pk=self.request_for.user_id).first()
        if self.person is None:
            return self._invalid(request, status=404)
        return super().dispatch(request, *args, **kwargs)

    def _invalid(self, request: HttpRequest, *, status: int) -> HttpResponse:
        return render(request, self.template_name, {"state": "invalid"}, status=status)

    def _render(self, request: HttpRequest, state: str) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "state": state,
                "category": self.request_for.category,
                "action_url": request.path,
                "preferences_url": reverse("notifications:preferences"),
            },
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        enabled = NotificationPreference.is_emailed(self.person.pk, self.request_for.category)
        return self._render(request, "confirm" if enabled else "already")

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        resubscribe = request.POST.get("action") == "resubscribe"
        NotificationPreference.set(
            user=self.person, category=self.request_for.category, enabled=resubscribe
        )
        return self._render(request, "resubscribed" if resubscribe else "done")
