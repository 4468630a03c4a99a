"""Site-wide views: health check, robots.txt and error pages."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down"; the reason is reported
        return {"ok": False, "error": error.__class__.__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _check_redis() -> dict:
    started = time.monotonic()
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
    )
    try:
        client.ping()
    except Exception as error:  # any failure means "down"; the reason is reported
        return {"ok": False, "error": error.__class__.__name__}
    finally:
        client.close()
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """JSON health of the database and Redis: 200 when both answer, 503 otherwise."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public pages, not the sign-in-only ones; the sitemap says which."""
    private = [
        reverse("admin:index"),
        reverse("employer:index"),
        "/accounts/",
        reverse("applications:list"),
        reverse("notifications:list"),
        reverse("listings:saved"),
        reverse("searches:list"),
        "/files/",
        # Sign-in-only steps under a public listing (RFC 9309 wildcards).
        reverse("applications:apply", kwargs={"slug": "slug"}).replace("/slug/", "/*/"),
        reverse("listings:report", kwargs={"slug": "slug"}).replace("/slug/", "/*/"),
    ]
    return render(
        request,
        "robots.txt",
        {"private": private, "sitemap": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that could fail again: a plain page.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
