"""People and organizations in the back office: staff at /staff/, organizations at /employer/.

Importing this package registers both sites' admins; the names other code uses (the
listings admin extends OrganizationAdmin) are re-exported here.
"""

from accounts.admin.employer import EmployerMembershipAdmin, EmployerOrganizationAdmin
from accounts.admin.staff import (
    MembershipAdmin,
    OrganizationAdmin,
    StudentProfileAdmin,
    UserAdmin,
)

__all__ = [
    "EmployerMembershipAdmin",
    "EmployerOrganizationAdmin",
    "MembershipAdmin",
    "OrganizationAdmin",
    "StudentProfileAdmin",
    "UserAdmin",
]

from accounts.admin import todo  # noqa: E402,F401  (registers what waits on each site)
