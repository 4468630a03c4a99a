"""Email links into the admin sites for applications: {% load application_links %}."""

from django import template
from django.utils.safestring import mark_safe

from applications import links

register = template.Library()


# The paths are reversed and urlencoded, so they hold nothing to escape but "&", which a
# text email must keep as it is.
@register.simple_tag
def applicants_url(listing) -> str:
    return mark_safe(links.applicants_link(listing))  # noqa: S308 - see above


@register.simple_tag
def employer_application_url(application) -> str:
    return mark_safe(links.employer_application_link(application))  # noqa: S308 - see above


@register.simple_tag
def staff_applications_url(listing) -> str:
    return mark_safe(links.staff_applications_link(listing))  # noqa: S308 - see above
