"""Links from emails into the admin sites, built the way the admin reads them.

A changelist link names each filter by the filter itself, never by a parameter typed
by hand: a list filter class gives its own `parameter_name`, a model field the parameter
Django's field filter reads (`status__exact`, `listing__id__exact`). Renaming a filter's
parameter then moves every emailed link with it, and the list opens with the filter the
email promises selected.

    admin_link("admin:listings_listing_changelist", filters={ListingStatusFilter: "submitted"})

A model field given a set of values selects any of them (`status__in`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib.admin import SimpleListFilter
from django.db.models import Field
from django.urls import reverse
from django.utils.safestring import mark_safe


def filter_parameter(key: type[SimpleListFilter] | Field) -> str:
    """The query parameter the admin reads for this list filter class or model field."""
    if isinstance(key, type) and issubclass(key, SimpleListFilter):
        return key.parameter_name
    if isinstance(key, Field):
        if key.is_relation:
            # What RelatedFieldListFilter reads: the related row by its primary key.
            return f"{key.name}__{key.target_field.name}__exact"
        return f"{key.name}__exact"
    raise TypeError(f"Not a list filter class or a model field: {key!r}")


def _query_item(key: type[SimpleListFilter] | Field, value: Any) -> tuple[str, Any]:
    """One filter of a changelist link: its parameter and value."""
    if isinstance(key, Field) and isinstance(value, Set):
        return f"{key.name}__in", ",".join(sorted(value))
    return filter_parameter(key), value


def admin_link(
    viewname: str,
    *,
    args: Sequence[Any] = (),
    filters: Mapping[type[SimpleListFilter] | Field, Any] | None = None,
) -> str:
    """The path of an admin page; for a changelist, with `filters` selected."""
    path = reverse(viewname, args=args)
    if filters:
        path += "?" + urlencode(dict(_query_item(key, value) for key, value in filters.items()))
    return path


def link_tags(*links: Callable[..., str]) -> template.Library:
    """A template tag library with a tag per link function: `applicants_link(listing)` is
    `{% applicants_url listing %}` in an email template."""
    library = template.Library()
    for link in links:

        @wraps(link)
        def tag(*args, _link=link) -> str:
            # Reversed and urlencoded, a path holds nothing to escape but "&", which a text
            # email must keep as it is.
            return mark_safe(_link(*args))  # noqa: S308 - see above

        library.simple_tag(tag, name=link.__name__.removesuffix("_link") + "_url")
    return library
