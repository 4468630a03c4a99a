"""A student's saved searches and their alerts (`/listings/searches/...`)."""

from django.urls import path

from searches import views

app_name = "searches"

urlpatterns = [
    path("", views.SavedSearchListView.as_view(), name="list"),
    path("save/", views.SavedSearchCreateView.as_view(), name="create"),
    path("form/", views.SavedSearchFormView.as_view(), name="form"),
    path("<int:pk>/", views.SavedSearchUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.SavedSearchDeleteView.as_view(), name="delete"),
    path("keep-alive/<str:token>/", views.KeepAliveView.as_view(), name="keep_alive"),
]
