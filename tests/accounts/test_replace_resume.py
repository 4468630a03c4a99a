"""StudentProfile.replace_resume: a new file under a random name; the old one goes on commit."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from accounts.models import StudentProfile
from tests.factories import MINIMAL_PDF, pdf_upload

pytestmark = pytest.mark.django_db

SECOND_PDF = MINIMAL_PDF.replace(b"612 792", b"595 842")  # A4, same offsets


def stored_resumes(settings) -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "resumes"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def profile(student) -> StudentProfile:
    return StudentProfile.objects.get(user=student)


def test_first_resume_is_stored_under_a_random_name(profile, settings):
    profile.replace_resume(pdf_upload(name="Ada Lovelace CV.pdf"))

    profile.refresh_from_db()
    assert re.fullmatch(r"resumes/[0-9a-f]{32}\.pdf", profile.resume.name)
    assert profile.resume_uploaded_at is not None
    assert stored_resumes(settings) == [profile.resume.name.split("/")[-1]]


def test_the_old_file_is_deleted_only_after_commit(
    profile, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        profile.replace_resume(pdf_upload())
    old = profile.resume.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        profile.replace_resume(pdf_upload(content=SECOND_PDF))
    new = profile.resume.name
    assert new != old
    # Not committed yet: both files are there.
    assert stored_resumes(settings) == sorted([old.split("/")[-1], new.split("/")[-1]])

    for callback in callbacks:
        callback()
    assert stored_resumes(settings) == [new.split("/")[-1]]
    profile.refresh_from_db()
    assert profile.resume.name == new


def test_a_rollback_keeps_the_old_file(profile, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile.replace_resume(pdf_upload())
    old = profile.resume.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            profile.replace_resume(pdf_upload(content=SECOND_PDF))
            raise RuntimeError("something later in the same transaction fails")

    assert callbacks == []
    assert old.split("/")[-1] in stored_resumes(settings)
    assert StudentProfile.objects.get(pk=profile.pk).resume.name == old
