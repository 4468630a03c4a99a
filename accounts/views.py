from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.urls import reverse, reverse_lazy
from django.views.generic import UpdateView

from accounts.forms import EmployerSignupForm, StudentProfileForm
from accounts.models import StudentProfile


class EmployerSignupView(SignupView):
    """Sign up as an employer (linked from the student signup page)."""

    template_name = "account/signup_employer.html"

    def get_form_class(self):
        return EmployerSignupForm

    # What happens to the organization is said once the address is confirmed
    # (AccountAdapter.confirm_email): the page after signing up is the same for an address
    # that already has an account, so it never tells who has one.


class StudentProfileUpdateView(LoginRequiredMixin, UpdateView):
    """A student edits their own profile (and only theirs)."""

    form_class = StudentProfileForm
    template_name = "accounts/studentprofile_form.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None) -> StudentProfile:
        try:
            profile = self.request.user.student_profile
        except StudentProfile.DoesNotExist as missing:
            raise Http404("Only students have a profile.") from missing
        # The saved address, before a rejected form writes its typed values onto the instance.
        self.public_portfolio_url = (
            reverse("portfolio", kwargs={"handle": profile.handle})
            if profile.portfolio_public and profile.handle
            else ""
        )
        return profile

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "public_portfolio_url": self.public_portfolio_url,
        }

    def form_valid(self, form: StudentProfileForm) -> HttpResponse:
        try:
            response = super().form_valid(form)
        except IntegrityError:
            # Another student took the address between validation and saving.
            form.add_error("handle", "Another student already uses this address. Choose another.")
            return self.form_invalid(form)
        messages.success(self.request, "Your profile is saved.")
        return response
