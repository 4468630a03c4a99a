"""Email links into the admin sites for organizations: {% load account_links %}."""

from django import template
from django.utils.safestring import mark_safe

from accounts import links

register = template.Library()


# The paths are reversed and urlencoded, so they hold nothing to escape but "&", which a
# text email must keep as it is.
@register.simple_tag
def join_requests_url() -> str:
    return mark_safe(links.join_requests_link())  # noqa: S308 - see above


@register.simple_tag
def staff_organization_url(organization) -> str:
    return mark_safe(links.staff_organization_link(organization))  # noqa: S308 - see above
