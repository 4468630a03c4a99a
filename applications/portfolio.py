"""A student's public portfolio: completed micro-internships, confirmed by the organizations."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.views.generic import DetailView

from accounts.models import StudentProfile
from applications.models import Application, Feedback


class PortfolioView(DetailView):
    """/students/<handle>/: shown only while the student keeps it public."""

    template_name = "applications/portfolio.html"
    context_object_name = "profile"
    slug_field = "handle"
    slug_url_kwarg = "handle"

    def get_queryset(self) -> QuerySet[StudentProfile]:
        return (
            StudentProfile.objects.filter(portfolio_public=True, user__is_active=True)
            .select_related("user")
            .prefetch_related("skills")
        )

    def get_context_data(self, **kwargs) -> dict:
        profile = self.object
        completed = (
            Application.objects.for_student(profile.user)
            .filter(status=Application.Status.COMPLETED)
            .select_related("listing__organization")
            .prefetch_related(
                Prefetch(
                    "feedback",
                    queryset=Feedback.objects.public_testimonials(),
                    to_attr="public_testimonials",
                )
            )
            .order_by("-completed_at", "-pk")
        )
        return {
            **super().get_context_data(**kwargs),
            "student_name": profile.user.get_full_name() or "A MicroIntern student",
            "completed": completed,
            # From SITE_URL, never from the request's Host header.
            "canonical_url": settings.SITE_URL
            + reverse("portfolio", kwargs={"handle": profile.handle}),
        }
