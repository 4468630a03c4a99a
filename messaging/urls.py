"""The two sides of a conversation (`/conversations/<application id>/...`)."""

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("<int:pk>/messages/", views.MessageWriteView.as_view(), name="write"),
    path(
        "<int:pk>/messages/<int:message>/report/",
        views.MessageReportView.as_view(),
        name="report",
    ),
    path("<int:pk>/check-in/", views.CheckInView.as_view(), name="check_in"),
]
