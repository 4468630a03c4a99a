"""Saved searches: save the current `/listings/` search, manage them, keep alerts alive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from searches.forms import FrequencyForm, SavedSearchForm
from searches.models import SavedSearch


class StudentsOnlyMixin(LoginRequiredMixin):
    """Saved searches belong to students; other signed-in people are sent to browse."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_student:
            messages.info(request, "Saved searches are for student accounts.")
            return redirect("listings:list")
        return super().dispatch(request, *args, **kwargs)


class SavedSearchListView(StudentsOnlyMixin, ListView):
    """The student's saved searches; opening this page keeps their alerts coming."""

    template_name = "searches/saved_search_list.html"
    context_object_name = "saved_searches"

    def get_queryset(self):
        return SavedSearch.objects.for_user(self.request.user).order_by("-created_at", "-pk")

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A visit is what keeps alerts alive (they pause after 90 days without one).
        SavedSearch.keep_alive(user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["frequencies"] = SavedSearch.Frequency.choices
        context["max_searches"] = SavedSearch.MAX_PER_USER
        return context


class SavedSearchCreateView(View):
    """POST: save the search the student is looking at, with daily or weekly alerts."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SavedSearchForm(request.POST)
        form.is_valid()
        params = QueryDict(form.cleaned_data.get("query", ""))
        browse_url = reverse("listings:list") + (f"?{params.urlencode()}" if params else "")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(browse_url)
        if not user.is_student:
            messages.info(request, "Saved searches are for student accounts.")
            return redirect(browse_url)
        if form.errors:
            messages.error(request, "Choose daily or weekly alerts, then save the search again.")
            return redirect(browse_url)
        try:
            search, created = SavedSearch.save_for(
                user=user, params=params, frequency=form.cleaned_data["frequency"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(browse_url)
        how_often = search.get_frequency_display().lower()
        if created:
            messages.success(
                request,
                f"Search saved. We will email you {how_often} when new projects match it.",
            )
        else:
            messages.success(
                request, f"You had already saved this search; alerts are now {how_often}."
            )
        return redirect(search)


class SavedSearchFormView(TemplateView):
    """The “Save this search” box alone, for the browse page to refresh after filtering."""

    template_name = "searches/saved_search_form.html"


class SavedSearchUpdateView(StudentsOnlyMixin, View):
    """POST: change how often one of the student's searches is emailed."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        search = get_object_or_404(SavedSearch.objects.for_user(request.user), pk=pk)
        form = FrequencyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose daily or weekly alerts.")
            return redirect("searches:list")
        search.change_frequency(form.cleaned_data["frequency"])
        messages.success(
            request,
            f"Alerts for {search.description} are now {search.get_frequency_display().lower()}.",
        )
        return redirect("searches:list")


class SavedSearchDeleteView(StudentsOnlyMixin, View):
    """POST: delete one of the student's saved searches (and its alerts)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        search = get_object_or_404(SavedSearch.objects.for_user(request.user), pk=pk)
        description = search.description
        search.delete()
        messages.success(request, f"Deleted the saved search {description}; no more alerts for it.")
        return redirect("searches:list")


@method_decorator(never_cache, name="dispatch")
class KeepAliveView(View):
    """The one-click link in alert emails: keep the student's alerts coming, no sign-in needed.

    A plain link (GET) so that one click is enough. It only records a visit, the same
    thing opening the saved searches page does; a mail scanner following it can at most
    keep alerts going that the student can stop from any alert email.
    """

    template_name = "searches/saved_search_keep_alive.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user_id = SavedSearch.user_id_from_keep_alive_token(token)
        except signing.BadSignature:
            return render(request, self.template_name, {"valid": False}, status=400)
        count = SavedSearch.keep_alive(user=user_id)
        if not count:  # every search was deleted since (or the account)
            return render(request, self.template_name, {"valid": False}, status=404)
        return render(request, self.template_name, {"valid": True, "count": count})
