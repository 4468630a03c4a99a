"""Email links into the admin sites for applications: {% load application_links %}."""

from applications import links
from notifications.links import link_tags

register = link_tags(
    links.applicants_link,
    links.employer_application_link,
    links.staff_applications_link,
    links.staff_late_payments_link,
)
