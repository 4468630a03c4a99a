"""Admin changelists that answer an impossible date hierarchy with "no match", not a 500."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


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
