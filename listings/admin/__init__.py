"""The listing back office: employers post listings at /employer/, staff moderate at /staff/.

Every change of state goes through the Listing's transition methods; the admin only
collects who, why and a comment, and reports what was done or refused. Importing this
package registers both sites' admins; the names other code uses are re-exported here.
"""

from listings.admin.common import (
    ListingEventInline,
    ListingStepsMixin,
    reason_label,
    refusal_message,
    status_label,
)
from listings.admin.employer import EMPLOYER_STEPS, EmployerListingAdmin
from listings.admin.staff import (
    STAFF_STEPS,
    IndustryAdmin,
    ListingAdmin,
    ListingReportAdmin,
    ListingStatusFilter,
    OrganizationWithListingsAdmin,
    ReportStatusFilter,
    SkillAdmin,
)

__all__ = [
    "EMPLOYER_STEPS",
    "STAFF_STEPS",
    "EmployerListingAdmin",
    "IndustryAdmin",
    "ListingAdmin",
    "ListingEventInline",
    "ListingReportAdmin",
    "ListingStatusFilter",
    "ListingStepsMixin",
    "OrganizationWithListingsAdmin",
    "ReportStatusFilter",
    "SkillAdmin",
    "reason_label",
    "refusal_message",
    "status_label",
]

from listings.admin import todo  # noqa: E402,F401  (registers what waits on each site)
