"""Email links into the admin sites for a listing: {% load listing_links %}."""

from listings import links
from notifications.links import link_tags

register = link_tags(
    links.moderation_queue_link,
    links.open_reports_link,
    links.staff_listing_link,
    links.employer_listing_link,
)
