"""The shape every lifecycle's event table shares: who moved it, from what to what, and why."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lifecycle.fields import actor_field


class LifecycleEvent(models.Model):
    """Append-only record of one change of state (one row per change, never edited)."""

    #: Who did it, when nobody did: a rule, a deadline, the reports threshold.
    AUTOMATIC = "MicroIntern (automatic)"

    actor = actor_field()
    #: Empty for the first event of a new object.
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def actor_display(self) -> str:
        """Who did it, as the career center reads it: the person's address, or MicroIntern."""
        return str(self.actor) if self.actor_id else self.AUTOMATIC

    def actor_label(
        self, *, you_id: int | None = None, staff_as: str = "", others_as: str = ""
    ) -> str:
        """Who did it, as someone outside the career center reads it.

        Nobody is MicroIntern; the reader (the user `you_id`) is "You"; career-center staff read as
        `staff_as` when given (an organization reads "Career center", never an address);
        anyone else as `others_as` when given (a student reads the organization's name),
        else by their name.
        """
        if self.actor_id is None:
            return self.AUTOMATIC
        if you_id is not None and self.actor_id == you_id:
            return "You"
        if others_as:
            return others_as
        if staff_as and self.actor.is_staff:
            return staff_as
        return self.actor.display_name
