"""The benchmark floor: the cheapest page the site can serve through its whole stack.

`make bench` divides every page's throughput by this one's, measured side by side on the
same server and middleware, so that the figures do not depend on how fast the machine is.
Routed only when BENCHMARK_FLOOR is on (see microintern/urls.py).
"""

from django.http import HttpRequest, HttpResponse


def floor(request: HttpRequest) -> HttpResponse:
    """A constant text page: no database, no template, only the server and the middleware."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
