"""The signed-in person's notifications (`/notifications/...`) and one-click unsubscribe."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read/", views.NotificationMarkAllReadView.as_view(), name="mark_all_read"),
    path("<int:pk>/read/", views.NotificationMarkReadView.as_view(), name="mark_read"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="open"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
