"""Security headers, production settings, and pages that keep working while Redis is down."""

import copy
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
CLOSED_PORT_REDIS = "redis://127.0.0.1:6390/0"

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth.hashers import make_password
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "PASSWORD_HASHERS": settings.PASSWORD_HASHERS,
    "hash": make_password("correct-horse-battery-staple"),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
}))
"""


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def run_settings(code: str, **env) -> subprocess.CompletedProcess:
    """Import the settings module afresh in another process, with this environment."""
    # Not `manage.py shell`: it carries on without settings when they fail to load.
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "microintern.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def redis_down():
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = CLOSED_PORT_REDIS
    with override_settings(CACHES=caches):
        yield


@pytest.fixture
def redis_hung():
    """The cache points at a port that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    with override_settings(CACHES=caches):
        yield
    server.close()


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/"])
def test_pages_send_security_headers(client, url):
    response = client.get(url)

    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    script_src = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "*" not in script_src
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_admin_pages_send_security_headers(login, staff):
    response = login(staff).get("/staff/")

    assert response.status_code == 200
    assert "'unsafe-inline'" not in csp_directives(response).get("script-src", [])
    assert response["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only_and_same_site(client, student, password):
    client.post("/accounts/login/", {"login": student.email, "password": password})

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_settings_hash_with_argon2_and_secure_cookies():
    result = run_settings(PRODUCTION_PROBE, DEBUG="False", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["hash"].startswith("argon2$")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings(
        "import django; django.setup(); print('started')", DEBUG="False", SECRET_KEY=""
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_a_page_answers_quickly_when_redis_is_down(client, redis_down):
    started = time.monotonic()
    response = client.get("/accounts/login/")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < 2


def test_signing_in_works_when_redis_is_down(client, student, password, redis_down):
    started = time.monotonic()
    response = client.post("/accounts/login/", {"login": student.email, "password": password})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)
    assert elapsed < 2
    assert client.get("/").status_code == 200


def test_signing_in_stays_quick_when_redis_hangs(client, student, password, redis_hung):
    started = time.monotonic()
    response = client.post("/accounts/login/", {"login": student.email, "password": password})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)
    # One socket timeout at most, not one per cache call.
    assert elapsed < 2


def test_signing_up_works_when_redis_is_down(client, redis_down):
    password = "violet-lantern-orbit-42"
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@uni.example",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="ada@uni.example").exists()


def test_cache_add_still_reports_real_results_when_redis_is_up():
    from django.core.cache import cache

    assert cache.add("security-test-key", 1, timeout=5) is True
    assert cache.add("security-test-key", 2, timeout=5) is False
    assert cache.get("security-test-key") == 1
