"""What the account admins of both sites share: membership history, https for typed websites."""

from __future__ import annotations

from django.db import models

from accounts.models import Membership, MembershipEvent
from backoffice.history import HistoryInline


class MembershipEventInline(HistoryInline):
    """A membership's history: who asked, who let them in or took them out, and when."""

    model = MembershipEvent
    fk_name = "membership"
    status_choices = Membership.Status
    fields = ["created_at", "actor_name", "from_label", "to_label", "role", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]


# Websites typed without a scheme are https (Django 6's default, chosen now).
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}
