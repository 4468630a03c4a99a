"""Email links into the admin sites for a listing: {% load listing_links %}."""

from django import template
from django.utils.safestring import mark_safe

from listings import links

register = template.Library()


# The paths are reversed and urlencoded, so they hold nothing to escape but "&", which a
# text email must keep as it is.
@register.simple_tag
def moderation_queue_url() -> str:
    return mark_safe(links.moderation_queue_link())  # noqa: S308 - see above


@register.simple_tag
def open_reports_url(listing) -> str:
    return mark_safe(links.open_reports_link(listing))  # noqa: S308 - see above


@register.simple_tag
def staff_listing_url(listing) -> str:
    return mark_safe(links.staff_listing_link(listing))  # noqa: S308 - see above


@register.simple_tag
def employer_listing_url(listing) -> str:
    return mark_safe(links.employer_listing_link(listing))  # noqa: S308 - see above
