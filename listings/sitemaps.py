"""Sitemaps for search engines: the start pages, every open listing and the organizations behind them."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from accounts.models import Organization
from listings.models import Listing


class PageSitemap(Sitemap):
    """The pages a visitor starts from."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return ["home", "listings:list"]

    def location(self, name: str) -> str:
        return reverse(name)


class ListingSitemap(Sitemap):
    """Open listings; one that closes, is suspended or taken down leaves the sitemap at once."""

    changefreq = "daily"
    # Well under the protocol's 50 000 URLs per file; the index links every page.
    limit = 10_000

    def items(self):
        return Listing.objects.open().only("slug", "updated_at").order_by("pk")

    def lastmod(self, listing: Listing):
        return listing.updated_at

    def get_latest_lastmod(self):
        # One aggregate instead of Django's default, which reads every item to take the max.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class OrganizationSitemap(Sitemap):
    """Verified organizations' pages, changed when one of their open listings last changed."""

    changefreq = "daily"
    limit = 10_000

    def items(self):
        return (
            Organization.objects.verified()
            .filter(listings__in=Listing.objects.open())
            .values("slug")
            .annotate(updated_at=Max("listings__updated_at"))
            .order_by("slug")
        )

    def location(self, organization: dict) -> str:
        return reverse("listings:organization", kwargs={"slug": organization["slug"]})

    def lastmod(self, organization: dict):
        return organization["updated_at"]

    def get_latest_lastmod(self):
        return (
            Listing.objects.open()
            .filter(organization__in=Organization.objects.verified())
            .aggregate(latest=Max("updated_at"))["latest"]
        )


SITEMAPS = {"pages": PageSitemap, "listings": ListingSitemap, "organizations": OrganizationSitemap}
