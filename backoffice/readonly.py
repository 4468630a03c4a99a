"""Admins for records nobody edits by hand: rows are written and changed by the model's own code."""

from __future__ import annotations

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Nobody adds, edits or deletes a row here; the pages are for reading.

    With `changes_through_actions`, the list keeps the change permission its actions need
    (they call the model's transitions), while each object's page stays read-only.
    """

    changes_through_actions = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None and self.changes_through_actions:
            return super().has_change_permission(request)
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
