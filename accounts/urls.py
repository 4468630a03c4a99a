from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/employer/", views.EmployerSignupView.as_view(), name="employer_signup"),
    path("profile/", views.StudentProfileUpdateView.as_view(), name="profile"),
]
