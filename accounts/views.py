from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.urls import reverse_lazy
from django.views.generic import UpdateView

from accounts.forms import EmployerSignupForm, StudentProfileForm
from accounts.models import StudentProfile


class EmployerSignupView(SignupView):
    """Sign up as an employer (linked from the student signup page)."""

    template_name = "account/signup_employer.html"

    def get_form_class(self):
        return EmployerSignupForm

    def form_valid(self, form: EmployerSignupForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.organization is not None:
            if form.joined_existing:
                messages.info(
                    self.request,
                    f"{form.organization} is already on MicroIntern: we asked its owners "
                    "to let you in. You will get an email when they do.",
                )
            else:
                messages.info(
                    self.request,
                    f"{form.organization} is registered. The career center verifies new "
                    "organizations before their listings are published.",
                )
        return response


class StudentProfileUpdateView(LoginRequiredMixin, UpdateView):
    """A student edits their own profile (and only theirs)."""

    form_class = StudentProfileForm
    template_name = "accounts/studentprofile_form.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None) -> StudentProfile:
        try:
            return self.request.user.student_profile
        except StudentProfile.DoesNotExist as missing:
            raise Http404("Only students have a profile.") from missing

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form: StudentProfileForm) -> HttpResponse:
        messages.success(self.request, "Your profile is saved.")
        return super().form_valid(form)
