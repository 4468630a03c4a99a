"""Links from emails into the admin sites, built the way the admin reads them.

A changelist link names each filter by the filter itself, never by a parameter typed
by hand: a list filter class gives its own `parameter_name`, a model field the parameter
Django's field filter reads (`status__exact`, `listing__id__exact`). Renaming a filter's
parameter then moves every emailed link with it, and the list opens with the filter the
email promises selected.

    admin_link("admin:listings_listing_changelist", filters={ListingStatusFilter: "submitted"})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import SimpleListFilter
from django.db.models import Field
from django.urls import reverse


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


def admin_link(
    viewname: str,
    *,
    args: Sequence[Any] = (),
    filters: Mapping[type[SimpleListFilter] | Field, Any] | None = None,
) -> str:
    """The path of an admin page; for a changelist, with `filters` selected."""
    path = reverse(viewname, args=args)
    if filters:
        path += "?" + urlencode({filter_parameter(key): value for key, value in filters.items()})
    return path
