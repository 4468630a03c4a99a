"""Public listing URLs (`/listings/...`) and organization pages (`/orgs/<slug>/`)."""

from django.urls import path

from listings import views
from listings.feeds import OpenListingsFeed

app_name = "listings"

urlpatterns = [
    path("listings/", views.ListingListView.as_view(), name="list"),
    # Listing slugs always end in a random suffix, so "saved" and "feed" never clash with one.
    path("listings/saved/", views.SavedListingListView.as_view(), name="saved"),
    path("listings/feed/", OpenListingsFeed(), name="feed"),
    path("listings/<slug:slug>/", views.ListingDetailView.as_view(), name="detail"),
    path("listings/<slug:slug>/save/", views.ListingSaveView.as_view(), name="save"),
    path("listings/<slug:slug>/report/", views.ListingReportView.as_view(), name="report"),
    path("orgs/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization"),
]
