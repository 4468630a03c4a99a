"""What the listing admins of both sites share: wording, the confirmation steps, the history."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import linebreaksbr

from backoffice.history import HistoryInline
from backoffice.steps import AdminStepsMixin, Step, step_table
from listings.admin_forms import TransitionForm
from listings.models import Listing, ListingEvent

Status = Listing.Status

#: What the project is, as both sites show it.
PROJECT_FIELDS = ["title", "summary", "description", "deliverables", "skills", "industry"]

#: Reason codes written by the system or the organization, next to the staff's choices.
OTHER_REASON_LABELS = {
    "material_edit": "Edited after publication",
    "edited_in_review": "Edited while waiting for review",
    "cancelled": "Cancelled by the organization",
    "reports": "Reports from students",
}


def reason_label(code: str) -> str:
    """A reason code in words ("" stays "")."""
    if not code:
        return ""
    labels = dict(ListingEvent.Reason.choices) | OTHER_REASON_LABELS
    return str(labels.get(code, code.replace("_", " ").capitalize()))


def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def paragraphs(text: str) -> str:
    """Someone's text with its line breaks kept, escaped for HTML."""
    return linebreaksbr(text, autoescape=True)


def refusal_message(listing: Listing, error: ValidationError) -> str:
    """Why one listing was left as it was, naming the listing."""
    text = " ".join(error.messages)
    return text if listing.title in text else f"“{listing.title}”: {text}"


# --- Transitions with a reason and a comment ---------------------------------------------


def listing_step(name: str, title: str, done: str, *, reason: bool = False, **options) -> Step:
    """A listing Step: every one asks for a comment, kept in the listing's history.

    It is offered from the states `Listing.TRANSITIONS` declares for it (see `listing_steps`).

    A step that asks for a reason code requires one: it is what the organization reads first.
    """
    defaults = {
        "text_kwarg": "note",
        "text_label": "Comment",
        "text_help": "Optional. Kept in the listing's history.",
    }
    return Step(
        name=name,
        title=title,
        done=done,
        reason=reason,
        reason_required=reason,
        **(defaults | options),
    )


#: Offered to the organization and to the career center alike.
COMPLETE_STEP = listing_step(
    "complete",
    "Mark the project completed",
    "{count} marked completed.",
    intro="The project is done. Applicants still waiting and open offers are closed, "
    "each student told; engagements still in progress must be completed or marked "
    "incomplete first.",
)


def listing_steps(*steps: Step) -> dict[str, Step]:
    """Listing steps by name, each offered from the states its transition declares."""
    return step_table(*steps, lifecycle=Listing.TRANSITIONS)


class ListingStepsMixin(AdminStepsMixin):
    """Listing steps: each confirmation page asks for a comment and, for some, a reason."""

    step_form = TransitionForm
    step_text_field = "note"

    def step_object_label(self, listing: Listing) -> str:
        return listing.title

    def step_object_details(self, listing: Listing) -> str:
        details = f"{listing.organization}, {listing.get_status_display().lower()}"
        return f"{details}, risk {listing.risk_score}" if listing.risk_score else details

    def step_refusal_message(self, listing: Listing, error: ValidationError) -> str:
        return refusal_message(listing, error)

    def step_object_missing(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        listing = self.get_object(request, unquote(object_id))
        if listing is not None:
            extra_context.update(self.listing_context(request, listing))
        return super().change_view(request, object_id, form_url, extra_context)

    def listing_context(self, request: HttpRequest, listing: Listing) -> dict:
        """What the listing's page shows beside the listing: the steps its status allows."""
        return {"step_links": self.step_links(request, listing)}


# --- Event history, read-only ------------------------------------------------------------


class ListingEventInline(HistoryInline):
    """A listing's history: who moved it from which state to which, why and when."""

    model = ListingEvent
    status_choices = Status
    fields = ["created_at", "actor_name", "from_label", "to_label", "reason_label", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    @admin.display(description="reason")
    def reason_label(self, event: ListingEvent) -> str:
        return reason_label(event.reason)
