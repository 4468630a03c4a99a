"""How a listing ends, and what becomes of its applications when it does.

Every ending decides for the applications still open: closing at the deadline tells each
waiting applicant by when the organization decides (`decide_by`); completing, removing,
rejecting after an edit and cancelling settle every open application (not selected, offer
withdrawn, engagement ended), each student told why in their own email. The applications
are reached through the reverse relation (`listing.applications`): listings never import
the applications app.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse


class ListingEndings:
    """Mixed into Listing: the transitions that end it, and the decide-by date."""

    @property
    def decide_by(self) -> datetime.date:
        """The day the organization must decide on its applicants by (DECIDE_WITHIN_DAYS after
        the deadline); undecided applications close then (`close_undecided_past_decide_by`)."""
        return self.application_deadline + datetime.timedelta(days=settings.DECIDE_WITHIN_DAYS)

    def openings_taken(self) -> int:
        """Openings held by offers out and students hired: the openings cannot go below it."""
        applications = getattr(self, "applications", None)  # reverse relation, if installed
        return applications.holding_openings().count() if applications is not None else 0

    def reject(self, *, by, reason: str, note: str = "") -> None:
        """Refuse a submitted listing for good; applicants from before an edit are told."""
        with transaction.atomic():
            self._moderate("reject", by=by, reason=reason, note=note)
            self._settle_applications(
                f"The career center did not accept the changes to “{self.title}”, so the "
                "project will not go ahead."
            )

    def _settle_applications(self, note: str) -> None:
        """The listing has ended: every application still open is closed, its student told."""
        applications = getattr(self, "applications", None)  # reverse relation, if installed
        if applications is not None:
            applications.all().settle(note=note)

    def close(self, *, by=None, note: str = "") -> None:
        """Stop accepting applications (at the deadline, or early by the organization).

        Each applicant still waiting is told that applications are closed and by when the
        organization decides.
        """
        with transaction.atomic():
            event = self.apply_transition(
                "close", by=by, note=note or ("Deadline passed." if by is None else "")
            )
            applications = getattr(self, "applications", None)  # reverse relation, if installed
            if applications is not None:
                waiting = [a.student for a in applications.undecided().select_related("student")]
                self.tell(
                    waiting,
                    "closed_to_applicants",
                    event,
                    link=reverse("applications:list"),
                    listing=self,
                )

    def check_completable(self, current: str) -> None:
        """Refuse to complete a project while someone is still working on it."""
        applications = getattr(self, "applications", None)
        working = applications.in_progress().count() if applications is not None else 0
        if working:
            raise ValidationError(
                f"“{self.title}” has {working} engagement{'s' if working != 1 else ''} still "
                "in progress: mark the work complete or incomplete first."
            )

    def complete(self, *, by=None, note: str = "") -> None:
        """Mark a closed project as done; applicants still waiting and open offers are told."""
        with transaction.atomic():
            self.apply_transition("complete", by=by, note=note)
            applications = getattr(self, "applications", None)  # reverse relation, if installed
            if applications is not None:
                applications.all().settle(
                    note=f"The project “{self.title}” is completed, so your application "
                    "cannot go further."
                )

    def remove(self, *, by, reason: str = "", note: str = "") -> None:
        """Take a suspended listing down for good; its applicants are told it will not go ahead."""
        with transaction.atomic():
            self.apply_transition("remove", by=by, note=note, event_fields={"reason": reason})
            self._settle_applications(
                f"The career center took down “{self.title}”, so the project will not go ahead "
                "with MicroIntern."
            )

    def cancel(self, *, by, note: str) -> None:
        """The organization calls the project off (a reason is required)."""
        if not note.strip():
            raise ValidationError("Say why the project is cancelled; applicants will see it.")
        with transaction.atomic():
            self.apply_transition("cancel", by=by, note=note, event_fields={"reason": "cancelled"})
            self._settle_applications(f"{self.organization} cancelled the project: {note}")
