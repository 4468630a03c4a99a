"""A student's saved searches and their alerts (`/listings/searches/...`)."""

from django.urls import path

from listings import search_views

app_name = "searches"

urlpatterns = [
    path("", search_views.SavedSearchListView.as_view(), name="list"),
    path("save/", search_views.SavedSearchCreateView.as_view(), name="create"),
    path("form/", search_views.SavedSearchFormView.as_view(), name="form"),
    path("<int:pk>/", search_views.SavedSearchUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", search_views.SavedSearchDeleteView.as_view(), name="delete"),
    path("keep-alive/<str:token>/", search_views.KeepAliveView.as_view(), name="keep_alive"),
]
