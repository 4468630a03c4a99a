"""What both sites show of an application: the student's words and files, and its history."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from applications.models import Application, ApplicationEvent
from backoffice.history import HistoryInline

Status = Application.Status

EMPTY = "—"

DECISION_DATES = Application.DECISION_DATES


def paragraphs(text: str) -> str:
    """Someone's text with its line breaks kept, escaped for HTML."""
    return linebreaksbr(text, autoescape=True) if text else EMPTY


def web_link(url: str, text: str = "") -> str:
    """A link to an http(s) address someone typed; anything else stays plain text."""
    if not url.lower().startswith(("https://", "http://")):
        return url
    return format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', url, text or url)


#: Where the résumé download view (which checks who may read the file) may be named.
RESUME_URL_NAMES = ("applications:application_resume", "documents:application_resume")


def resume_link(application: Application) -> str:
    """A link to download the application's résumé through the view that checks access."""
    if not application.resume:
        return "No résumé attached."
    for name in RESUME_URL_NAMES:
        try:
            url = reverse(name, kwargs={"pk": application.pk})
        except NoReverseMatch:
            continue
        return format_html('<a href="{}">Download the résumé (PDF)</a>', url)
    return "Résumé on file"


# --- Skills match, counted in the list's own query (see ApplicationQuerySet) --------------


def skills_match_text(application: Application) -> str:
    wanted = getattr(application, "skills_wanted", None)
    if not wanted:
        return "No skills listed"
    return f"{application.skills_matched} of {wanted} skills"


def work_links_html(application: Application) -> str:
    links = [str(link) for link in application.work_links or []]
    if not links:
        return EMPTY
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((web_link(u),) for u in links))
    )


class ApplicationPagesMixin:
    """What an application's page shows alike on both sites: its listing, the student's
    pitch, résumé and the links to their work."""

    @admin.display(description="listing")
    def listing_link(self, obj: Application) -> str:
        url = reverse(f"{self.admin_site.name}:listings_listing_change", args=[obj.listing_id])
        return format_html('<a href="{}">{}</a>', url, obj.listing.title)

    @admin.display(description="pitch")
    def pitch_text(self, obj: Application) -> str:
        return paragraphs(obj.pitch)

    @admin.display(description="résumé")
    def resume_file(self, obj: Application) -> str:
        return resume_link(obj)

    @admin.display(description="work links")
    def work_links_list(self, obj: Application) -> str:
        return work_links_html(obj)


# --- Event history, read-only ----------------------------------------------------------------


class ApplicationEventInline(HistoryInline):
    """An application's history: who moved it from which state to which, with their words."""

    model = ApplicationEvent
    status_choices = Status
    template = "admin/applications/application/events_inline.html"
    fields = ["created_at", "actor_name", "from_label", "to_label", "note"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")
