"""Data and HTTP helpers shared by the fault scenarios and the load test.

Students here are made directly in the database with a résumé on their profile and a signed-in
session (no password, no login round trip), so a scenario can send hundreds of real apply
requests without touching the login rate limits. Requests go over plain HTTP on loopback with
http.client: nothing follows redirects or retries behind our back.
"""

from __future__ import annotations

import http.client
import secrets
import string
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PITCH = "I have done two similar projects and would start with a one-page plan and a draft."


def manage(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    """Run manage.py with this environment; its output (raises on failure)."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(env: dict[str, str], *, listings: int = 0) -> None:
    """Migrate, collect static files (DEBUG is off) and load the demo data."""
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    seed = ["seed_demo"] + (["--listings", str(listings)] if listings else [])
    manage(*seed, env=env, timeout=1200)


@dataclass
class Student:
    pk: int
    email: str
    session: str
    csrf: str = field(default_factory=lambda: _csrf_secret())

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf}"


def _csrf_secret() -> str:
    # Django accepts a 32-character secret in the cookie and the same value as the token.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def make_students(count: int, *, prefix: str) -> list[Student]:
    """`count` students with a profile résumé and a signed-in session each (Django set up)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import StudentProfile, User
    from tests.factories import MINIMAL_PDF

    students = []
    with transaction.atomic():
        for n in range(count):
            address = f"{prefix}-{n}@students.faults.example"
            user = User.objects.create_user(
                email=address, password=None, first_name=prefix.title(), last_name=f"Student {n}"
            )
            EmailAddress.objects.create(user=user, email=address, primary=True, verified=True)
            profile = StudentProfile(user=user, school="State University", graduation_year=2027)
            profile.resume.save("resume.pdf", ContentFile(MINIMAL_PDF), save=False)
            profile.resume_uploaded_at = timezone.now()
            profile.save()
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            students.append(Student(user.pk, address, session.session_key))
    return students


def open_listing_paths(limit: int = 1000) -> list[str]:
    """Paths of open listings (Django set up)."""
    from listings.models import Listing

    return [
        listing.get_absolute_url()
        for listing in Listing.objects.open().select_related("organization").order_by("pk")[:limit]
    ]


@dataclass
class Reply:
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    seconds: float
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str = "",
    form: dict | None = None,
    csrf: str = "",
    timeout: float = 15,
) -> Reply:
    """One HTTP request to 127.0.0.1:port on a fresh connection; never raises."""
    headers = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
    body = None
    if cookie:
        headers["Cookie"] = cookie
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if csrf:
        headers["X-CSRFToken"] = csrf
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Reply(
            response.status,
            time.monotonic() - started,
            text,
            {k.lower(): v for k, v in response.getheaders()},
        )
    except (OSError, http.client.HTTPException) as error:
        return Reply(0, time.monotonic() - started, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def apply(port: int, student: Student, listing_path: str) -> Reply:
    """POST the apply form as this student (the profile's résumé is sent)."""
    return request(
        port,
        "POST",
        f"{listing_path}apply/",
        cookie=student.cookie,
        csrf=student.csrf,
        form={"pitch": PITCH, "availability_confirmed": "on"},
    )
