"""People, organizations and memberships, one module each; every name importable from here."""

from accounts.models.memberships import Membership, MembershipEvent, MembershipQuerySet
from accounts.models.organizations import (
    Organization,
    OrganizationEvent,
    OrganizationQuerySet,
    organization_logo_path,
)
from accounts.models.track_record import TrackRecord
from accounts.models.users import StudentProfile, User, UserManager

__all__ = [
    "Membership",
    "MembershipEvent",
    "MembershipQuerySet",
    "Organization",
    "OrganizationEvent",
    "OrganizationQuerySet",
    "StudentProfile",
    "TrackRecord",
    "User",
    "UserManager",
    "organization_logo_path",
]
