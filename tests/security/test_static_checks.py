"""Static checks: security headers on every response of the permission matrix, cookies and
`check --deploy` in production mode, and bandit with no high-severity finding."""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.matrix import ROLES, fetch, routed_rows
from tests.security.test_permission_matrix import SEEN

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS = [
    "lifecycle",
    "backoffice",
    "accounts",
    "listings",
    "searches",
    "applications",
    "notifications",
    "microintern",
    "reports",
]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "microintern.example,testserver",
    "SITE_URL": "https://microintern.example",
}


def production(code: str) -> subprocess.CompletedProcess:
    """Run Python with the production environment, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "microintern.settings", **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Headers on every response ---------------------------------------------------------------


def csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = values
    return directives


def header_problems(headers) -> list[str]:
    """What is missing or weak in one response's headers (empty when all is well)."""
    problems = []
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Cross-Origin-Resource-Policy") != "same-origin":
        problems.append("no Cross-Origin-Resource-Policy: same-origin")
    if not headers.get("Content-Type", "").startswith("text/html"):
        return problems
    policy = csp(headers.get("Content-Security-Policy", ""))
    if not policy:
        return [*problems, "no Content-Security-Policy"]
    scripts = policy.get("script-src", policy.get("default-src", []))
    if not scripts or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts):
        problems.append(f"weak script-src {scripts}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append("CSP frame-ancestors is not 'none'")
    if policy.get("object-src") != ["'none'"]:
        problems.append("CSP object-src is not 'none'")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    if headers.get("Referrer-Policy") not in {"strict-origin-when-cross-origin", "same-origin"}:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("no Cross-Origin-Opener-Policy: same-origin")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_response_of_the_matrix_sends_the_security_headers(request, client, role):
    # The matrix test, run earlier in the session, kept what it saw; run alone, walk again.
    seen = SEEN.get(role)
    if seen is None:
        world = request.getfixturevalue("world")
        if role != "visitor":
            client.force_login(request.getfixturevalue(role))
        seen = [
            (row.label, response.status_code, response.headers)
            for row in routed_rows()
            for response in fetch(client, row, world).responses
        ]
    html = [headers for _label, _status, headers in seen if "html" in headers["Content-Type"]]

    failures = [
        f"{label} ({status}): {', '.join(problems)}"
        for label, status, headers in seen
        if (problems := header_problems(headers))
    ]

    assert len(html) > 50, "the walk reached the site's pages"
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_error_pages_send_the_security_headers(client):
    for response in (client.get("/no-such-page/"), client.get("/listings/no-such-listing/")):
        assert response.status_code == 404
        assert not header_problems(response.headers)


# --- Production mode ----------------------------------------------------------------------------

COOKIES_PROBE = """
import json
import django
django.setup()
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory

# The session is stored nowhere: only the cookie the middleware writes is looked at.
SessionStore.save = lambda self, must_create=False: setattr(self, "_session_key", "k" * 32)

def view(request):
    request.session["seen"] = True
    get_token(request)
    messages.info(request, "Saved.")
    return HttpResponse("ok")

handler = SessionMiddleware(CsrfViewMiddleware(MessageMiddleware(view)))
response = handler(RequestFactory().get("/", secure=True))
print(json.dumps({
    name: {flag: response.cookies[name][flag] for flag in ("secure", "httponly", "samesite")}
    for name in response.cookies
}))
"""


def test_session_csrf_and_message_cookies_are_locked_down_in_production():
    result = production(COOKIES_PROBE)

    assert result.returncode == 0, result.stderr
    cookies = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(cookies) == {"sessionid", "csrftoken", "messages"}
    for name, flags in cookies.items():
        assert flags["secure"] is True, name
        assert flags["httponly"] is True, name
        assert flags["samesite"] == "Lax", name


def test_check_deploy_passes_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={**os.environ, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- bandit ---------------------------------------------------------------------------------


def bandit() -> list[str]:
    found = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    if found is None:
        pytest.fail("bandit is not installed: pip install -e '.[dev]'")
    return [found]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run(
        [*bandit(), "-q", "-r", *APPS, "-x", "tests", "-lll", "-f", "json"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )

    report = json.loads(result.stdout)
    high = [
        f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
        for issue in report["results"]
    ]
    assert not high, "\n".join(high)
    assert result.returncode == 0, result.stderr
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit read the code"


def test_every_nosec_says_why():
    """A silenced finding carries its reason on the same line: `# nosec B603: fixed argv`."""
    bare = []
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                marker = re.search(r"#\s*nosec\b(.*)$", line)
                if marker and not re.search(r"[A-Za-z]{3,}", marker.group(1).split(":", 1)[-1]):
                    bare.append(f"{path.relative_to(BASE_DIR)}:{number}")
    assert not bare, "nosec without a reason: " + ", ".join(bare)
