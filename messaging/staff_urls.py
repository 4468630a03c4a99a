"""The career center's pages about conversations (`/staff/conversations/...`)."""

from django.urls import path

from messaging import views

app_name = "messaging_staff"

urlpatterns = [
    path("", views.ReportedMessagesView.as_view(), name="reports"),
    path("<int:pk>/", views.ReportedThreadView.as_view(), name="thread"),
    path("check-ins/", views.CheckInsView.as_view(), name="check_ins"),
    path(
        "check-ins/<int:pk>/handled/", views.CheckInHandledView.as_view(), name="check_in_handled"
    ),
]
