"""Site-wide middleware: a database outage answers a clean 503 page instead of a 500, a
request carrying characters no text column can hold answers a plain 400, and every response
says which sites may embed it (Cross-Origin-Resource-Policy). Also the client's address as
the rate limits count it."""

from __future__ import annotations

import ipaddress
import logging
import re

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait: about as long as a database restart or failover takes.
RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection into 503 with Retry-After.

    A restart of PostgreSQL closes every connection: the request that was using one gets
    InterfaceError or OperationalError, and so does every request until the server accepts
    connections again. That is not a bug in the page, so the person gets a page saying "back
    in a moment" and clients and proxies get the status that tells them to retry. The
    transaction of the failed request was rolled back whole (atomic blocks undo on error), and
    Django opens a new connection on the next request, so the site recovers by itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable()


def database_unavailable() -> HttpResponse:
    """The 503 page: rendered without context processors, which would query the database."""
    body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # Never cached by a proxy or the browser: the next try must reach the site.
    response["Cache-Control"] = "no-store"
    return response


#: NUL, which PostgreSQL refuses in any text value, and lone UTF-16 surrogates, which cannot
#: be encoded to UTF-8 for the database at all.
UNREADABLE = re.compile("[\x00\ud800-\udfff]")


class UnreadableInputMiddleware:
    """Refuse with a plain 400 a request whose path or parameters hold characters no text can.

    Any such character that reached a query (an admin filter, a search, a slug) made
    PostgreSQL refuse it, and the page a 500. Checking once here, before any view or admin
    runs, covers every parameter of every page, including those added later. Uploaded files
    are not looked at: their content is bytes, and their names are replaced on storage.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_unreadable_input(request):
            logger.info("Refused unreadable input: %s %r", request.method, request.path[:200])
            return unreadable_input()
        return self.get_response(request)


def has_unreadable_input(request: HttpRequest) -> bool:
    """True when the path, a GET or a POST parameter (name or value) holds NUL or a surrogate."""
    if UNREADABLE.search(request.path_info) or UNREADABLE.search(request.path):
        return True
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        parameters.append(request.POST)
    for query in parameters:
        for name, values in query.lists():
            if UNREADABLE.search(name) or any(UNREADABLE.search(value) for value in values):
                return True
    return False


def unreadable_input() -> HttpResponse:
    """The 400 page: plain, rendered without context processors, never cached."""
    body = loader.get_template("400_unreadable.html").render({})
    response = HttpResponse(body, status=400)
    response["Cache-Control"] = "no-store"
    return response


class CrossOriginResourcePolicyMiddleware:
    """Cross-Origin-Resource-Policy: same-origin on every response that did not set its own.

    Django sets the other isolation headers (COOP, nosniff, Referrer-Policy) but not this
    one: without it another site could load our pages, images or downloads as subresources.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def client_address(request: HttpRequest) -> str:
    """The client's network address, for django-ratelimit (RATELIMIT_IP_META_KEY).

    Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the client is
    that many entries from the right; entries further left were written by the client
    itself and prove nothing. allauth counts the same way (ALLAUTH_TRUSTED_PROXY_COUNT).
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    if count and any(forwarded) and len(forwarded) >= count:
        candidate = forwarded[-count]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            logger.warning("X-Forwarded-For does not end with an address: %r", candidate)
    return request.META.get("REMOTE_ADDR", "")
