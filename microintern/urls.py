from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from accounts.sites import employer_site
from applications.portfolio import PortfolioView
from applications.privacy import AccountDeleteView, StudentDataExportView
from listings.sitemaps import SITEMAPS
from listings.views import HomeView
from microintern import bench_views, views

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("", include("applications.urls")),
    # Before listings.urls, whose listing pattern would take "searches" for a slug.
    path("listings/searches/", include("searches.urls")),
    path("", include("listings.urls")),
    path("notifications/", include("notifications.urls")),
    path("conversations/", include("messaging.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/data/", StudentDataExportView.as_view(), name="privacy_data"),
    path("accounts/delete/", AccountDeleteView.as_view(), name="privacy_delete"),
    path("accounts/", include("allauth.urls")),
    path("files/", include("applications.document_urls")),
    path("students/<slug:handle>/", PortfolioView.as_view(), name="portfolio"),
    # Reports live inside the staff site; listed first so that they win over its app pages.
    path("staff/reports/", include("reports.urls")),
    path("staff/conversations/", include("messaging.staff_urls")),
    path("staff/", admin.site.urls),
    path("employer/", employer_site.urls),
]

if settings.BENCHMARK_FLOOR:
    # The page `make bench` measures every other page against (see ops/bench/).
    urlpatterns.append(path("bench/floor/", bench_views.floor, name="bench-floor"))

handler403 = "microintern.views.permission_denied"
handler404 = "microintern.views.page_not_found"
handler500 = "microintern.views.server_error"
