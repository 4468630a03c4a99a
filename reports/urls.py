"""Reports inside the staff admin site (/staff/reports/): every view is staff-only."""

from django.contrib import admin
from django.urls import path

from reports import views

app_name = "reports"


def staff_only(view):
    """The staff site's own gate: visitors sign in, everyone else is refused."""
    return admin.site.admin_view(view)


urlpatterns = [
    path("", staff_only(views.DashboardView.as_view()), name="dashboard"),
    path("exports/new/", staff_only(views.ExportCreateView.as_view()), name="export_create"),
    path("exports/<int:pk>/", staff_only(views.ExportDetailView.as_view()), name="export_detail"),
    path(
        "exports/<int:pk>/download/",
        staff_only(views.ExportDownloadView.as_view()),
        name="export_download",
    ),
]
