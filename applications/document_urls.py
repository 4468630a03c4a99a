"""Private files, each behind a permission check: /files/..."""

from django.urls import path

from applications import documents

app_name = "documents"

urlpatterns = [
    path(
        "students/<int:pk>/resume/",
        documents.ProfileResumeDownloadView.as_view(),
        name="profile_resume",
    ),
    path(
        "applications/<int:pk>/resume/",
        documents.ApplicationResumeDownloadView.as_view(),
        name="application_resume",
    ),
]
