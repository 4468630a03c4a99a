"""Résumé downloads: private files leave only through these permission-checked views."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from django.views import View

from accounts.models import StudentProfile
from applications.models import Application

# A downloaded file must never run as a page of this site, whatever a browser guesses.
RESUME_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _with_resume_readable_by(user, rows: QuerySet, student: str, of_organizations) -> QuerySet:
    """The rows with a résumé this person may read: all for staff; else the rows whose
    `student` is them, or that `of_organizations(their organizations)` says are their
    organization's. Nobody signed in, or a deactivated account, reads none."""
    rows = rows.exclude(resume="").select_related(student)
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.is_career_staff:
        return rows
    return rows.filter(Q(**{student: user}) | of_organizations(user.employer_organizations()))


def profiles_with_resume_readable_by(user) -> QuerySet[StudentProfile]:
    """Profiles whose résumé this person may read: their own, applicants to their organization, all for staff."""

    def applied_to(organizations):
        return Exists(
            Application.objects.filter(
                student=OuterRef("user"), listing__organization__in=organizations
            )
        )

    return _with_resume_readable_by(user, StudentProfile.objects, "user", applied_to)


def applications_with_resume_readable_by(user) -> QuerySet[Application]:
    """Applications whose résumé copy this person may read: their own, their organization's, all for staff."""
    return _with_resume_readable_by(
        user,
        Application.objects,
        "student",
        lambda organizations: Q(listing__organization__in=organizations),
    )


def resume_filename(student) -> str:
    """resume-ada-lovelace.pdf: the student's name, never the name they uploaded."""
    name = slugify(student.get_full_name())[:80].strip("-")
    return f"resume-{name}.pdf" if name else "resume.pdf"


def resume_response(resume: FieldFile, *, filename: str) -> FileResponse:
    """The PDF as a download that no browser will render as part of the site."""
    try:
        handle = resume.storage.open(resume.name, "rb")
    except FileNotFoundError as missing:
        raise Http404("This résumé is no longer available.") from missing
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = RESUME_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response


class ResumeDownloadView(LoginRequiredMixin, View):
    """One row's résumé as a download, found among the rows the signed-in person may read.

    `readable_by(user)` gives those rows; `student` names the row's field for whose résumé it is.
    """

    readable_by: Callable[..., QuerySet]
    student: str

    def get_queryset(self) -> QuerySet:
        return self.readable_by(self.request.user)

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        row = get_object_or_404(self.get_queryset(), pk=pk)
        return resume_response(row.resume, filename=resume_filename(getattr(row, self.student)))


class ProfileResumeDownloadView(ResumeDownloadView):
    """A student's current résumé, for the student, staff and organizations they applied to."""

    readable_by = staticmethod(profiles_with_resume_readable_by)
    student = "user"


class ApplicationResumeDownloadView(ResumeDownloadView):
    """The résumé sent with one application, for its student, its organization and staff."""

    readable_by = staticmethod(applications_with_resume_readable_by)
    student = "student"
