"""Changelists that open on a default filter, with "All" as an explicit choice; filters over
a growing related table that offer its most recent rows only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet, Value
from django.http import HttpRequest, HttpResponseRedirect

ALL = "all"


class DefaultFilterMixin:
    """Open the changelist on a default filter; "All" is an explicit choice.

    Only a bare GET is redirected, so the filter in the address always matches the list
    on screen, and actions posted from it act on what was shown.
    """

    default_filters: dict[str, str] = {}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if request.method == "GET" and not request.GET and self.default_filters:
            query = "&".join(f"{key}={value}" for key, value in self.default_filters.items())
            return HttpResponseRedirect(f"{request.path}?{query}")
        return super().changelist_view(request, extra_context)


class StatusFilter(admin.SimpleListFilter):
    """Filter by status where the default view is one status and "All" is a choice of its own."""

    title = "status"
    parameter_name = "status"
    status_choices: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [(ALL, "All"), *self.status_choices]

    def queryset(self, request, queryset):
        if self.value() in (None, ALL):
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        current = self.value() or ALL
        for value, title in self.lookup_choices:
            yield {
                "selected": current == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class RecentChoicesFilter(admin.SimpleListFilter):
    """A filter over a related table that grows: its `shown` most recent rows, not all of them.

    Listing every row the changelist could be narrowed to made the sidebar (its query and
    its links) grow with the data: an organization with 500 listings got 500 links. The
    sidebar offers the `shown` most recent choices, says where the others are found
    (`others_help`), and a choice made elsewhere (a link in an email, from another page)
    still narrows the list and shows as selected: it is read in the same query as the
    recent ones, so the page runs as many queries whichever listing is chosen.
    """

    template = "admin/recent_choices_filter.html"
    shown = 15
    #: Under the choices when there are more than `shown`: where to find the others.
    others_help = ""
    #: The changelist's lookup that narrows it to the chosen row's id.
    field_path = ""
    #: Most recent first; the columns read for a choice's label.
    ordering: tuple[str, ...] = ("-created_at", "-pk")
    label_field = "title"
    has_more = False

    def offered(self, request, model_admin) -> QuerySet:
        """The rows the sidebar offers (the `shown` first in `ordering` are)."""
        raise NotImplementedError

    def choosable(self, request, model_admin) -> QuerySet:
        """Every row that may be chosen: the chosen one is looked for among them."""
        raise NotImplementedError

    def chosen_pk(self) -> int | None:
        """The chosen row's id, if the parameter is one: ASCII digits that fit a bigint ("²"
        or "١" are digits to str.isdigit() but not an id)."""
        value = self.value()
        if value and value.isascii() and value.isdecimal() and len(value) <= 18:
            return int(value)
        return None

    def lookups(self, request, model_admin):
        columns = ["pk", self.label_field, *(name.lstrip("-") for name in self.ordering)]
        columns = list(dict.fromkeys(columns))
        recent = (
            self.offered(request, model_admin)
            .annotate(chosen_elsewhere=Value(False))
            .order_by(*self.ordering)
            .values_list(*columns, "chosen_elsewhere", named=True)[: self.shown + 1]
        )
        rows = recent
        pk = self.chosen_pk()
        if pk is not None:
            chosen = (
                self.choosable(request, model_admin)
                .filter(pk=pk)
                .annotate(chosen_elsewhere=Value(True))
                .order_by()
                .values_list(*columns, "chosen_elsewhere", named=True)
            )
            # The recent rows first, in their order, then the chosen one.
            rows = recent.union(chosen, all=True).order_by("chosen_elsewhere", *self.ordering)
        rows = list(rows)
        offered = [row for row in rows if not row.chosen_elsewhere]
        self.has_more = len(offered) > self.shown
        offered = offered[: self.shown]
        listed = {row.pk for row in offered}
        offered += [row for row in rows if row.chosen_elsewhere and row.pk not in listed]
        return [(str(row.pk), getattr(row, self.label_field)) for row in offered]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self.chosen_pk()
        if pk is None:
            return queryset.none()
        return queryset.filter(**{self.field_path: pk})
