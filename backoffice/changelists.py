"""Admin changelists that stay fast on large tables and answer impossible dates with "no match".

`LargeTableAdminMixin` is for a changelist over a table that grows without bound (listings,
applications): it counts at most `exact_count_limit` rows and estimates past that, counts a
search or a filtered list only up to `narrowed_count_limit` (past it the list says "more than
1 000" and pages no further), fetches a
page by first reading its ids through the ordering's index, never counts the whole table again
for "(N total)", draws the date hierarchy from the first and last date instead of reading
the date of every row, shows 50 rows a page, and renders the rows' links and checkboxes
without resolving or rendering a template for each.
"""

from __future__ import annotations

import datetime
import json

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext


class BoundedDateChangeList(ChangeList):
    """A changelist whose date hierarchy refuses dates the calendar cannot hold.

    Django turns a year that is not a number into IncorrectLookupParameters (the list
    reopens with "?e=1"), but a year past any integer (OverflowError), or the last year,
    month or day of the calendar (9999: no next year to end the range on), escape as a 500.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDateHierarchyMixin:
    """For a ModelAdmin with date_hierarchy: impossible dates reopen the list, unfiltered."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList


# --- Counting and paging large tables ----------------------------------------------------------


def estimated_rows(queryset: QuerySet) -> int:
    """The planner's estimate of the rows a query returns: read from statistics, not rows."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeTablePaginator(Paginator):
    """Counts exactly up to a limit and estimates past it; fetches a page through its ids.

    A count over a LIMIT stops after `exact_count_limit` + 1 rows, whatever the table size;
    past that, the planner's estimate stands for the count (the last page may then come out
    short or empty). A page's rows are read in two steps: the ids of the page, which an index
    on the ordering yields without reading the rows it skips, then those rows only, so that
    page 500 costs about what page 1 does instead of reading 50 000 wide rows to skip them.

    A narrowed list (a search, a filter) is counted up to `narrowed_count_limit` only: nobody
    reads a thousand matches page by page, and counting 7 000 matches of a common word meant
    reading 7 000 rows. Past the limit the count stays at the limit (`more_than_limit`), the
    pages stop there and a page asked for past them shows the last one (`asked_past_limit`).
    """

    exact_count_limit = 10_000
    narrowed_count_limit = 1_000

    def __init__(self, *args, narrowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrowed = narrowed
        self.estimated = False
        self.more_than_limit = False
        self.asked_past_limit = False

    @cached_property
    def count(self) -> int:
        limit = self.narrowed_count_limit if self.narrowed else self.exact_count_limit
        counted = self.object_list.order_by()[: limit + 1].count()
        if counted <= limit:
            return counted
        if self.narrowed:
            self.more_than_limit = True
            return limit
        self.estimated = True
        return max(estimated_rows(self.object_list), counted)

    @property
    def count_text(self) -> str:
        """The count as the list says it: exact, "about" an estimate, or "more than" the cap."""
        if self.more_than_limit:
            return f"more than {self.count:,}"
        if self.estimated:
            return f"about {self.count:,}"
        return f"{self.count:,}"

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.more_than_limit or int(number) < 1:
                raise
            # Past the pages a capped count offers: the last of them, and the list says why.
            self.asked_past_limit = True
            return self.num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def narrows(queryset: QuerySet, root: QuerySet) -> bool:
    """True when a changelist's filters or search narrowed `root` (the admin's own queryset)
    into `queryset`: each adds a condition to the WHERE clause; "All" adds none."""
    return len(queryset.query.where.children) > len(root.query.where.children)


# --- The date hierarchy from the first and last date -------------------------------------------


class PeriodsFromRangeMixin:
    """`dates()` and `datetimes()` as the periods between the first and the last value.

    Django's date hierarchy lists the years (months, days) that hold rows with a DISTINCT
    over the truncated date of every row: a scan of the whole table. Two index look-ups give
    the first and the last date; every period between them is offered (one without rows,
    rare in a list that grows every day, opens an empty list).
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        return self._periods(field_name, kind, aware=True)

    def dates(self, field_name, kind, order="ASC"):
        return self._periods(field_name, kind, aware=False)

    def _periods(self, field_name: str, kind: str, *, aware: bool) -> list:
        bounds = QuerySet.aggregate(self, first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        if aware:
            first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
        periods = []
        current = _period_start(first, kind)
        while current is not None and current <= last:
            periods.append(current)
            current = _next_period(current, kind)
        if not aware:
            return periods
        zone = timezone.get_current_timezone()
        return [datetime.datetime.combine(day, datetime.time(), tzinfo=zone) for day in periods]


def _period_start(day: datetime.date, kind: str) -> datetime.date:
    if kind == "year":
        return day.replace(month=1, day=1)
    if kind == "month":
        return day.replace(day=1)
    return day


def _next_period(day: datetime.date, kind: str) -> datetime.date | None:
    """The start of the next period, or None past the calendar's end."""
    try:
        if kind == "year":
            return day.replace(year=day.year + 1)
        if kind == "month":
            if day.month == 12:
                return day.replace(year=day.year + 1, month=1)
            return day.replace(month=day.month + 1)
        return day + datetime.timedelta(days=1)
    except (OverflowError, ValueError):
        return None


_PERIOD_CLASSES: dict[type, type] = {}


def with_periods_from_range(queryset: QuerySet) -> QuerySet:
    """The same queryset, its `dates()` and `datetimes()` drawn from the first and last date."""
    cls = type(queryset)
    if cls not in _PERIOD_CLASSES:
        _PERIOD_CLASSES[cls] = type(f"RangePeriods{cls.__name__}", (PeriodsFromRangeMixin, cls), {})
    clone = queryset._chain()
    clone.__class__ = _PERIOD_CLASSES[cls]
    return clone


class LargeTableChangeList(BoundedDateChangeList):
    """A changelist for a large table: see the module's docstring."""

    def get_results(self, request):
        super().get_results(request)
        if self.paginator.asked_past_limit:
            # The page shown is the last one the capped count offers.
            self.page_num = self.paginator.num_pages
        if self.date_hierarchy:
            # Read by the date_hierarchy template tag only: the page is already fetched.
            self.queryset = with_periods_from_range(self.queryset)
        # Each row's link carries the list's filters. Django's add_preserved_filters would
        # resolve every row's address (a walk through the site's URL patterns, per row) only
        # to find that a change page is not the list itself: the rows get them here instead.
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result) -> str:
        url = super().url_for_result(result)
        return f"{url}?{self.row_filters}" if self.row_filters else url


class LargeTableAdminMixin:
    """For a ModelAdmin over a table that grows without bound (see the module's docstring)."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    # Counts per filter choice ("Show counts") would count every row the list holds.
    show_facets = admin.ShowFacets.NEVER
    #: Rows a page shows: rendering a row's cells is most of the page's time (100 rows of up
    #: to ten columns took about three quarters of it), and two pages of 50 read as easily.
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            narrowed=narrows(queryset, self.get_queryset(request)),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None and getattr(cl.paginator, "more_than_limit", False):
            # Django's "All 1000 selected" would undercount what an action over every
            # match acts on.
            response.context_data["selection_note_all"] = gettext(
                "Every match selected (%(total_count)s)"
            ) % {"total_count": cl.paginator.count_text}
        return response

    def action_checkbox(self, obj) -> str:
        """The row's checkbox for actions, the HTML Django's CheckboxInput renders, written
        out: rendering the widget's template for each row was half the time of a page."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
