"""List filters: changelists that open on a default filter, with "All" as an explicit choice,
and filters with a single choice."""

from __future__ import annotations

from django.contrib import admin
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


class OneChoiceFilter(admin.SimpleListFilter):
    """A filter with one choice besides "All": `choice` (value, label) narrows the list
    with `narrow`."""

    choice: tuple[str, str]

    def lookups(self, request, model_admin):
        return [self.choice]

    def queryset(self, request, queryset):
        return self.narrow(queryset) if self.value() == self.choice[0] else queryset

    def narrow(self, queryset):
        raise NotImplementedError
