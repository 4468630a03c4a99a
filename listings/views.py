"""Public and student-facing listing pages: home, browse and search, detail, saved, report."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView
from django_ratelimit.core import is_ratelimited

from accounts.models import Organization
from listings import jsonld
from listings.filters import ORDERINGS, SORT_NEWEST, ListingFilter
from listings.forms import ListingReportForm, SaveListingForm
from listings.models import Listing, ListingReport, SavedListing
from listings.version import listings_version

#: How many open listings the home page shows.
FEATURED_COUNT = 6
#: Results a list counts and pages through at most (50 pages of 20): counting or skipping
#: further would cost more the more listings there are, and nobody reads page 51.
RESULTS_CAP = 1000
#: Seconds a page rendered for a visitor may be served again to other visitors. Any change
#: to a listing or an organization makes a fresh copy at once (see `listings_version`).
VISITOR_CACHE_SECONDS = 60


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` results: a constant cost whatever the table size."""

    def __init__(self, *args, cap: int, **kwargs) -> None:
        self.cap = cap
        super().__init__(*args, **kwargs)

    @cached_property
    def _counted(self) -> int:
        # COUNT over a LIMIT subquery: PostgreSQL stops after cap + 1 rows.
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more results than the paginator shows."""
        return self._counted > self.cap


def _is_plain_visit(request: HttpRequest) -> bool:
    """A signed-out GET with nothing pending for this person (no session, no messages)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


class VisitorCacheMixin:
    """Serve signed-out visitors a copy of the page rendered for another visitor.

    Only pages that show a visitor nothing personal use it (no form with a CSRF token, no
    messages): the copy is keyed by host, path, the query parameters the page reads
    (`cache_parameters`), htmx headers, the date and `listings_version()`, so it is never
    older than the listings it shows. Signed-in people and visitors with a session or
    pending messages always get a fresh page.

    Other parameters (tracking tags, junk) share the copy of the page without them, and a
    page is stored only when rendered from the parameters it reads alone: so nothing an
    ignored parameter put on the page is ever shown to another visitor, and a stream of
    made-up query strings cannot fill Redis with copies. Nor can a page larger than
    VISITOR_CACHE_MAX_BYTES: it is always rendered afresh.
    """

    #: The query parameters the page's content depends on.
    cache_parameters: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _is_plain_visit(request):
            response = super().dispatch(request, *args, **kwargs)
        elif (content := cache.get(key := self.visitor_cache_key(request))) is not None:
            response = HttpResponse(content)
        else:
            response = super().dispatch(request, *args, **kwargs)
            if (
                response.status_code == 200
                and isinstance(response, TemplateResponse)
                and set(request.GET) <= set(self.cache_parameters)
            ):
                response.add_post_render_callback(lambda rendered: self._keep(key, rendered))
        # The page differs for signed-in people and for htmx requests of the results only.
        patch_vary_headers(response, ["Cookie", "HX-Request", "HX-Target"])
        return response

    def visitor_cache_key(self, request: HttpRequest) -> str:
        headers = request.headers
        read = sorted(
            (name, request.GET.getlist(name))
            for name in self.cache_parameters
            if name in request.GET
        )
        varies = "|".join(
            [
                request.get_host(),
                request.path,
                urlencode(read, doseq=True),
                headers.get("HX-Request", ""),
                headers.get("HX-Target", ""),
                headers.get("HX-History-Restore-Request", ""),
            ]
        )
        digest = hashlib.sha256(varies.encode()).hexdigest()
        return f"listings:visitor:{listings_version()}:{digest}"

    @staticmethod
    def _keep(key: str, response: HttpResponse) -> None:
        # A response that sets a cookie (a CSRF token, a message) is personal: never shared.
        if not response.cookies and len(response.content) <= settings.VISITOR_CACHE_MAX_BYTES:
            cache.set(key, response.content, VISITOR_CACHE_SECONDS)


class HomeView(TemplateView):
    """The home page: what MicroIntern is, and where each kind of person starts."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["featured_listings"] = (
            Listing.objects.open()
            .with_card_data()
            .order_by(*ORDERINGS[SORT_NEWEST])[:FEATURED_COUNT]
        )
        return context


class ListingListView(VisitorCacheMixin, FilterView):
    """Browse and search open listings; filters live in the query string."""

    filterset_class = ListingFilter
    cache_parameters = (*ListingFilter.base_filters, "page")
    # An unusable filter value is left out (and said so) instead of emptying the list.
    strict = False
    paginate_by = 20
    context_object_name = "listings"
    template_name = "listings/listing_list.html"
    partial_template_name = "listings/includes/results.html"

    def get_queryset(self):
        return Listing.objects.open().as_cards().order_by(*ORDERINGS[SORT_NEWEST])

    @property
    def is_partial(self) -> bool:
        """An htmx request for the results region only (history restores get the full page)."""
        headers = self.request.headers
        return (
            headers.get("HX-Request") == "true"
            and headers.get("HX-Target") == "results"
            and headers.get("HX-History-Restore-Request") != "true"
        )

    def get_template_names(self) -> list[str]:
        return [self.partial_template_name if self.is_partial else self.template_name]

    def get_paginator(self, queryset, per_page, **kwargs) -> CappedPaginator:
        return CappedPaginator(queryset, per_page, cap=RESULTS_CAP, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        # A page past the end shows the last page, a malformed one the first, each with a note.
        paginator: CappedPaginator = self.get_paginator(queryset, page_size)
        requested = self.request.GET.get("page")
        page = paginator.get_page(requested)
        if requested is not None:
            try:
                wanted = int(requested)
            except ValueError:
                wanted = None
            if wanted != page.number:
                if wanted is not None and wanted > page.number and paginator.capped:
                    self.notices.append(
                        f"Only the first {paginator.cap:,} results can be browsed page by page; "
                        f"showing page {page.number}. Narrow the search to see the others."
                    )
                else:
                    self.notices.append(
                        f"There is no page “{requested[:20]}” of these results; "
                        f"showing page {page.number} of {paginator.num_pages}."
                    )
        return paginator, page, page.object_list, page.has_other_pages()

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.notices: list[str] = []
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        ignored = []
        if filterset.is_bound:
            for name, errors in filterset.form.errors.items():
                label = filterset.form.fields[name].label if name in filterset.form.fields else name
                ignored.append(f"{label}: {' '.join(errors)}")
        context.update(
            ignored_filters=ignored,
            notices=self.notices,
            filters_active=filterset.active,
            sort_key=filterset.sort_key if filterset.is_bound else SORT_NEWEST,
            is_partial=self.is_partial,
            page_range=_page_range(context.get("page_obj")),
        )
        return context


class ListingDetailView(VisitorCacheMixin, DetailView):
    """Everything a student needs to decide; non-public listings only for their org and staff."""

    template_name = "listings/listing_detail.html"
    context_object_name = "listing"

    def get_queryset(self):
        return Listing.objects.visible_to(self.request.user).with_card_data()

    def get_object(self, queryset=None) -> Listing:
        # Nearly every listing opened is public, which everyone may see: looked for there
        # first, with a query simpler to build and to plan than "public, or of one of this
        # person's organizations". Only a miss asks what else this person may open.
        try:
            listing = super().get_object(Listing.objects.public().with_card_data())
        except Http404:
            self.found_public = False
            return super().get_object(queryset)
        self.found_public = True
        return listing

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listing: Listing = self.object
        user = self.request.user
        is_open = listing.is_open
        context.update(
            is_open=is_open,
            # Asked only of a listing found among the non-public ones this person may see
            # (its organization's, or staff's), which may have become public meanwhile.
            is_public=self.found_public
            or is_open
            or Listing.objects.public().filter(pk=listing.pk).exists(),
            can_save=not user.is_authenticated or user.is_student,
            is_saved=user.is_authenticated
            and user.is_student
            and SavedListing.objects.filter(user=user, listing=listing).exists(),
            jsonld=(
                jsonld.as_script(
                    jsonld.job_posting(listing, absolute=self.request.build_absolute_uri)
                )
                if is_open
                else None
            ),
        )
        return context


def _page_range(page) -> list:
    """Page numbers around the current one, with ellipses, for the pagination partial."""
    if page is None or not page.has_other_pages():
        return []
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


def _safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class ListingSaveView(View):
    """POST: save or unsave a listing for the signed-in student."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        detail_url = reverse("listings:detail", kwargs={"slug": slug})
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(detail_url)
        listing = get_object_or_404(Listing.objects.visible_to(user), slug=slug)
        form = SaveListingForm(request.POST)
        form.is_valid()
        back = _safe_next(request, form.cleaned_data.get("next"), detail_url)
        if not user.is_student:
            messages.info(request, "Saving projects is for student accounts.")
            return redirect(back)

        action = form.cleaned_data.get("action")
        if not action:
            is_saved = SavedListing.objects.filter(user=user, listing=listing).exists()
            action = SaveListingForm.UNSAVE if is_saved else SaveListingForm.SAVE

        if action == SaveListingForm.UNSAVE:
            SavedListing.unsave(user=user, listing=listing)
            messages.success(request, f"“{listing.title}” was removed from your saved projects.")
        else:
            try:
                SavedListing.save_for(user=user, listing=listing)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"“{listing.title}” is in your saved projects.")
        return redirect(back)


class SavedListingListView(LoginRequiredMixin, ListView):
    """The signed-in student's saved listings, newest save first."""

    template_name = "listings/saved_list.html"
    context_object_name = "saved_listings"
    paginate_by = 20

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_student:
            messages.info(request, "Saved projects are for student accounts.")
            return redirect("listings:list")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        # EXISTS per saved row: an IN over every listing the student may see would make
        # the count and the page each read the whole list of visible listings first.
        visible = Listing.objects.visible_to(user).filter(pk=OuterRef("listing_id"))
        return (
            SavedListing.objects.filter(Exists(visible), user=user)
            .select_related("listing__organization__track_record", "listing__industry")
            .prefetch_related("listing__skills")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_range"] = _page_range(context.get("page_obj"))
        return context


class ListingReportView(LoginRequiredMixin, FormView):
    """Report a published listing to the career center (one open report per person)."""

    template_name = "listings/listing_report.html"
    form_class = ListingReportForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.listing = get_object_or_404(
            Listing.objects.published().select_related("organization"), slug=kwargs["slug"]
        )
        already = ListingReport.objects.filter(
            listing=self.listing, reporter=request.user, status=ListingReport.Status.OPEN
        )
        if already.exists():
            messages.info(
                request,
                "You have already reported this listing. The career center is looking into it.",
            )
            return redirect(self.listing)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(listing=self.listing, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limits = [("user", settings.REPORT_RATE_LIMIT), ("ip", settings.REPORT_ADDRESS_RATE_LIMIT)]
        # Every counter moves on each report, per person and per network address.
        limited = [
            is_ratelimited(request, group="listing_report", key=key, rate=rate, increment=True)
            for key, rate in limits
        ]
        if any(limited):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                "You have sent several reports in a short time. "
                "Wait a little, then send this one again.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ListingReportForm) -> HttpResponse:
        ListingReport.file(
            listing=self.listing,
            reporter=self.request.user,
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
        )
        messages.success(
            self.request,
            "Thank you for telling us. The career center will review this listing "
            "and act on it if something is wrong.",
        )
        if self.listing.status != Listing.Status.PUBLISHED:
            # Enough reports suspended it: the page is no longer public.
            return redirect("listings:list")
        return redirect(self.listing)


class OrganizationDetailView(DetailView):
    """An organization's public page with its open listings."""

    template_name = "listings/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self):
        # Only verified organizations have a public page: pending ones have nothing published
        # yet and their profile has not been checked; suspended ones are hidden.
        return Organization.objects.verified().select_related("track_record")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["listings"] = (
            Listing.objects.open()
            .with_card_data()
            .filter(organization=self.object)
            .order_by(*ORDERINGS[SORT_NEWEST])
        )
        return context
