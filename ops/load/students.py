"""Signed-in students for the load test, made in bulk: a profile with a résumé and a session."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta

#: Every load student's profile points at this one stored résumé (applying copies it).
RESUME_NAME = "resumes/load-test-resume.pdf"


def _secret(length: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def signed_in_students(count: int) -> list[tuple[str, str]]:
    """Create `count` students; (session id, CSRF secret) for each (Django set up)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import StudentProfile, User
    from accounts.uploads import private_storage
    from tests.factories import MINIMAL_PDF

    if not private_storage.exists(RESUME_NAME):
        private_storage.save(RESUME_NAME, ContentFile(MINIMAL_PDF))
    now = timezone.now()
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"load-{n}@students.load.example",
                first_name="Load",
                last_name=f"Student {n}",
                password=unusable,
            )
            for n in range(count)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
        )
        StudentProfile.objects.bulk_create(
            StudentProfile(user=user, school="State University", resume=RESUME_NAME,
                           resume_uploaded_at=now)
            for user in users
        )  # fmt: skip
        store = SessionStore()
        expires = now + timedelta(days=1)
        sessions = []
        for user in users:
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=_secret(), session_data=store.encode(data), expire_date=expires)
            )
        Session.objects.bulk_create(sessions)
    return [(session.session_key, _secret()) for session in sessions]
