"""The career center's reports in /staff/reports/: the dashboard, CSV exports and their progress.

Every view here is wrapped in the staff admin site's `admin_view` (see urls.py): visitors
are sent to sign in, everyone but career-center staff is refused.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import DetailView, TemplateView

from reports import charts, exports, figures
from reports.forms import ExportForm, ReportFilterForm
from reports.models import Export
from reports.queries import build_dashboard


class StaffSiteMixin:
    """Render inside the staff admin site: its header, navigation and permissions."""

    title = ""

    def get_context_data(self, **kwargs) -> dict:
        self.request.current_app = admin.site.name
        context = super().get_context_data(**kwargs)
        return {**admin.site.each_context(self.request), "title": self.title, **context}


class DashboardView(StaffSiteMixin, TemplateView):
    """The program at a glance for a period: figures, charts and the exports."""

    template_name = "reports/dashboard.html"
    title = "Program reports"
    #: The period and industry, read from the query string.
    filter_form_class = ReportFilterForm

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form = self.filter_form_class(self.request.GET or None)
        context["form"] = form
        if form.is_bound and not form.is_valid():
            return context
        period = form.get_period()
        dashboard = build_dashboard(period)
        context.update(
            period=period,
            dashboard=dashboard,
            sections=[*figures.sections(dashboard), figures.payment_section(dashboard)],
            payment_table=figures.payment_table(dashboard),
            track_record_table=figures.track_record_table(dashboard),
            weekly_table=figures.weekly_table(dashboard),
            industry_table=figures.industry_table(dashboard),
            funnel_table=figures.funnel_table(dashboard),
            pay_table=figures.pay_table(dashboard),
            weekly_chart=charts.line_chart(
                slug="weekly",
                title="Listings published and applications submitted, per week",
                weeks=[row["week"] for row in dashboard.weekly],
                series=[
                    charts.Series("Listings published", [r["listings"] for r in dashboard.weekly]),
                    charts.Series(
                        "Applications submitted", [r["applications"] for r in dashboard.weekly]
                    ),
                ],
            ),
            industry_chart=charts.bar_chart(
                slug="industries",
                title="Listings published and applications submitted, by industry",
                categories=[row["industry"] for row in dashboard.industries],
                series=[
                    charts.Series(
                        "Listings published", [r["listings"] for r in dashboard.industries]
                    ),
                    charts.Series(
                        "Applications submitted", [r["applications"] for r in dashboard.industries]
                    ),
                ],
            ),
            funnel_chart=charts.funnel_chart(
                slug="funnel",
                title="From application to completion",
                stages=dashboard.funnel,
            ),
            export_form=ExportForm(
                initial={
                    "period": period.preset or "custom",
                    "date_from": period.date_from,
                    "date_to": period.date_to,
                    "industry": period.industry,
                    "kind": Export.Kind.APPLICATIONS,
                }
            ),
            export_kinds=[
                {
                    "kind": kind,
                    "label": label,
                    "scope": exports.SCOPE[kind],
                    "columns": exports.columns(kind, include_emails=True),
                }
                for kind, label in Export.Kind.choices
            ],
            inline_limit=exports.inline_limit(),
            recent_exports=list(
                Export.objects.visible_to(self.request.user).filter(requested_by=self.request.user)[
                    :5
                ]
            ),
        )
        return context


class ExportCreateView(View):
    """Log an export and deliver it: streamed at once when small, else prepared in the background."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("reports.add_export"):
            raise PermissionDenied
        form = ExportForm(request.POST)
        dashboard = reverse("reports:dashboard")
        if not form.is_valid():
            problems = " ".join(
                f"{form.fields[name].label if name in form.fields else 'Export'}: {error}"
                for name, errors in form.errors.items()
                for error in errors
            )
            messages.error(request, f"The export could not start. {problems}")
            return HttpResponseRedirect(dashboard)
        export = Export.request(
            kind=form.cleaned_data["kind"],
            period=form.get_period(),
            include_emails=form.cleaned_data["include_emails"],
            by=request.user,
        )
        if export.delivery == Export.Delivery.DIRECT:
            return exports.stream(export)
        messages.info(
            request,
            f"{export.rows_total:,} rows is more than can download at once: the file is being "
            "prepared. You will get an email when it is ready.",
        )
        return HttpResponseRedirect(export.get_absolute_url())


class ExportDetailView(StaffSiteMixin, DetailView):
    """An export's progress, refreshed every two seconds while it runs, then its download link."""

    context_object_name = "export"
    template_name = "reports/export_detail.html"

    def get_queryset(self) -> QuerySet[Export]:
        return Export.objects.visible_to(self.request.user)

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["reports/includes/export_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs) -> dict:
        self.title = f"{self.object.get_kind_display()} export"
        return super().get_context_data(**kwargs)


class ExportDownloadView(View):
    """The finished file, only for the person who asked for it (superusers: any)."""

    def get_queryset(self) -> QuerySet[Export]:
        return Export.objects.visible_to(self.request.user).filter(status=Export.Status.DONE)

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        export = get_object_or_404(self.get_queryset().exclude(file=""), pk=pk)
        try:
            handle = export.file.storage.open(export.file.name, "rb")
        except FileNotFoundError as missing:
            raise Http404("This export file is no longer available.") from missing
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=export.download_name,
            content_type="text/csv; charset=utf-8",
        )
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response
