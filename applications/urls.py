"""The student's applications (`/applications/...`) and applying (`/listings/<slug>/apply/`)."""

from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    # Listing slugs never contain a slash, so this never shadows a listings URL.
    path("listings/<slug:slug>/apply/", views.ApplyView.as_view(), name="apply"),
    path("applications/", views.ApplicationListView.as_view(), name="list"),
    path("applications/calendar.ics", views.DeadlinesCalendarView.as_view(), name="calendar"),
    path(
        "applications/calendar/<slug:token>.ics",
        views.CalendarFeedView.as_view(),
        name="calendar_feed",
    ),
    path(
        "applications/calendar/address/",
        views.CalendarFeedIssueView.as_view(),
        name="calendar_address",
    ),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="detail"),
    path(
        "applications/<int:pk>/withdraw/",
        views.ApplicationWithdrawView.as_view(),
        name="withdraw",
    ),
    path("applications/<int:pk>/accept/", views.ApplicationAcceptView.as_view(), name="accept"),
    path("applications/<int:pk>/decline/", views.ApplicationDeclineView.as_view(), name="decline"),
    path(
        "applications/<int:pk>/submit-work/",
        views.ApplicationSubmitWorkView.as_view(),
        name="submit_work",
    ),
    path(
        "applications/<int:pk>/feedback/",
        views.ApplicationFeedbackView.as_view(),
        name="feedback",
    ),
    path(
        "applications/<int:pk>/payment/confirm/",
        views.ApplicationConfirmPaymentView.as_view(),
        name="confirm_payment",
    ),
    path(
        "applications/<int:pk>/payment/missing/",
        views.ApplicationPaymentMissingView.as_view(),
        name="payment_missing",
    ),
    path(
        "applications/<int:pk>/testimonial/",
        views.ApplicationTestimonialView.as_view(),
        name="testimonial",
    ),
]
