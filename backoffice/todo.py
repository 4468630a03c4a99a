"""What each admin site says first: what is waiting for the person signed in, and where.

Each app registers what it knows for a site (`@provides("employer")`), the way reminder
rules are registered; the site's home page lists every item that has something waiting.
Below the to-do list, `@overview("employer")` providers give the state of things (the
listings by status), or what to do first when there is nothing yet.
A provider answers with a constant number of queries, whatever the size of the data.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Todo:
    """One line of the to-do list: "3 applications wait to be read", with where to go."""

    count: int
    one: str  # "application waits to be read"
    many: str  # "applications wait to be read"
    url: str
    detail: str = ""
    #: Shown even when nothing is counted: a first step ("Post your first project").
    always: bool = False

    @property
    def text(self) -> str:
        return self.one if self.count == 1 else self.many


Provider = Callable[[HttpRequest], list[Todo]]
_providers: dict[str, list[tuple[int, Provider]]] = defaultdict(list)
_overviews: dict[str, list[tuple[int, Provider]]] = defaultdict(list)


def _registrar(registry, site_name: str, order: int) -> Callable[[Provider], Provider]:
    def register(provider: Provider) -> Provider:
        registry[site_name].append((order, provider))
        return provider

    return register


def provides(site_name: str, *, order: int) -> Callable[[Provider], Provider]:
    """Register a function that says what waits on the admin site named `site_name`;
    lower `order` comes first (what people act on most)."""
    return _registrar(_providers, site_name, order)


def overview(site_name: str, *, order: int) -> Callable[[Provider], Provider]:
    """Register a function that says how things stand on the site (shown after the to-do)."""
    return _registrar(_overviews, site_name, order)


def _lines(registry, site_name: str, request: HttpRequest) -> list[Todo]:
    providers = sorted(registry[site_name], key=lambda entry: entry[0])
    items = [item for _order, provider in providers for item in provider(request)]
    return [item for item in items if item.count or item.always]


def todo_for(site_name: str, request: HttpRequest) -> list[Todo]:
    """Every item with something waiting, most pressing provider first."""
    return _lines(_providers, site_name, request)


def overview_for(site_name: str, request: HttpRequest) -> list[Todo]:
    """How things stand: every line that counts something, or offers a first step."""
    return _lines(_overviews, site_name, request)


def day(value: datetime.date) -> str:
    """'14 March' for a date in a line's detail."""
    return f"{value.day} {value:%B}"


def waiting_since(oldest: datetime.datetime | None, what: str = "The oldest") -> str:
    """'The oldest has waited 6 days.' for the detail of an item."""
    if oldest is None:
        return ""
    days = (timezone.now() - oldest).days
    if days < 1:
        return f"{what} arrived today."
    return f"{what} has waited {days} day{'s' if days != 1 else ''}."
