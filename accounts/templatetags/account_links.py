"""Email links into the admin sites for organizations: {% load account_links %}."""

from accounts import links
from notifications.links import link_tags

register = link_tags(links.join_requests_link, links.staff_organization_link)
