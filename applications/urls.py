"""The student's applications (`/applications/...`) and applying (`/listings/<slug>/apply/`)."""

from django.urls import include, path

from applications import views

app_name = "applications"

#: One application's page and what its student does with it: /applications/<pk>/...
application_urls = [
    path("", views.ApplicationDetailView.as_view(), name="detail"),
    path("withdraw/", views.ApplicationWithdrawView.as_view(), name="withdraw"),
    path("accept/", views.ApplicationAcceptView.as_view(), name="accept"),
    path("decline/", views.ApplicationDeclineView.as_view(), name="decline"),
    path("submit-work/", views.ApplicationSubmitWorkView.as_view(), name="submit_work"),
    path("feedback/", views.ApplicationFeedbackView.as_view(), name="feedback"),
    path("payment/confirm/", views.ApplicationConfirmPaymentView.as_view(), name="confirm_payment"),
    path("payment/missing/", views.ApplicationPaymentMissingView.as_view(), name="payment_missing"),
    path("testimonial/", views.ApplicationTestimonialView.as_view(), name="testimonial"),
]

#: The student's applications and their deadlines: /applications/...
applications_urls = [
    path("", views.ApplicationListView.as_view(), name="list"),
    path("calendar.ics", views.DeadlinesCalendarView.as_view(), name="calendar"),
    path("calendar/<slug:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed"),
    path("calendar/address/", views.CalendarFeedIssueView.as_view(), name="calendar_address"),
    path("<int:pk>/", include(application_urls)),
]

urlpatterns = [
    # Listing slugs never contain a slash, so this never shadows a listings URL.
    path("listings/<slug:slug>/apply/", views.ApplyView.as_view(), name="apply"),
    path("applications/", include(applications_urls)),
]
