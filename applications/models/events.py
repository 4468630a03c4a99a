"""An application's history: one row per change of its status."""

from __future__ import annotations

from django.db import models

from applications.models.application import Application
from lifecycle import LifecycleEvent


class ApplicationEvent(LifecycleEvent):
    """Append-only record of an application's transitions."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")

    class Meta(LifecycleEvent.Meta):
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status or 'new'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return Application.state_label(self.to_status)

    def actor_for_student(self, application: Application) -> str:
        """Who did it, as the student reads it: never a staff member's address."""
        return self.actor_label(
            you_id=application.student_id, others_as=application.listing.organization.name
        )
