"""seed_demo: the demo accounts and data of the public contract, safe to run any number of times.

The accounts part lives here. Apps above accounts (listings, applications, ...) add their own
demo data from a `demo.py` module with a `seed_demo(demo)` function, found the way the admin finds
`admin.py` modules: accounts never imports the apps that depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.models import Membership, Organization, StudentProfile, User

# The public demo password from the product contract, not a secret.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105

STAFF = {"email": "staff@example.com", "first_name": "Grace", "last_name": "Moreno"}

STUDENTS = [
    {
        "email": "student@example.com",
        "first_name": "Amara",
        "last_name": "Okafor",
        "profile": {
            "school": "State University",
            "program": "Computer Science",
            "graduation_year": 2027,
            "bio": "Third-year CS student who likes data pipelines and tidy dashboards.",
        },
    },
    {
        "email": "student2@example.com",
        "first_name": "Jonas",
        "last_name": "Lindqvist",
        "profile": {
            "school": "City College of Art and Design",
            "program": "Graphic Design",
            "graduation_year": 2026,
            "bio": "Designer with a soft spot for typography and accessible interfaces.",
        },
    },
]

ORGANIZATIONS = [
    {
        "name": "Northwind Labs",
        "website": "https://northwind.example",
        "email_domain": "northwind.example",
        "description": "A small product studio building analytics tools for food co-ops.",
        "verified": True,
        "owner": {"email": "employer@example.com", "first_name": "Priya", "last_name": "Raman"},
    },
    {
        "name": "Globex Studio",
        "website": "https://globex.example",
        "email_domain": "globex.example",
        "description": "A creative agency for brands, games and everything in between.",
        "verified": True,
        "owner": {"email": "employer2@example.com", "first_name": "Marco", "last_name": "Bellini"},
    },
    {
        # Left pending so the career center has verification work to do.
        "name": "Harbor Light Foundation",
        "website": "https://harborlight.example",
        "email_domain": "harborlight.example",
        "description": "A non-profit running after-school coding clubs by the waterfront.",
        "verified": False,
        "owner": {"email": "employer3@example.com", "first_name": "Ruth", "last_name": "Adeyemi"},
    },
]


@dataclass
class DemoData:
    """What the accounts part seeded, handed to each app's `seed_demo(demo)`."""

    staff: User
    students: list[User]
    employers: list[User]
    organizations: list[Organization]
    # Generated published listings asked for with --listings N (for load tests).
    extra_listings: int = 0
    # Set by the app that generates them, so the command can tell when nobody did.
    extra_listings_done: bool = False
    # One line per app, printed in the summary.
    summary: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent: safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--listings",
            type=int,
            default=0,
            metavar="N",
            help="adds N generated published listings for load tests",
        )

    def handle(self, *args, **options) -> None:
        extra_listings = options["listings"]
        if extra_listings < 0:
            raise CommandError("--listings must be zero or more.")

        with transaction.atomic():
            demo = self.seed_accounts()
            demo.extra_listings = extra_listings
            for app_label, seed in app_seeders():
                line = seed(demo)
                if line:
                    demo.summary.append(f"{app_label}: {line}")

        if extra_listings and not demo.extra_listings_done:
            self.stdout.write(
                f"--listings {extra_listings}: listings arrive with the listings feature; "
                "none were generated."
            )
        self.print_summary(demo)

    def seed_accounts(self) -> DemoData:
        """Staff, students, employers and their organizations, with verified emails."""
        staff = demo_user(**STAFF, is_staff=True)
        group, _ = Group.objects.get_or_create(name=settings.CAREER_CENTER_GROUP)
        staff.groups.add(group)

        students = []
        for spec in STUDENTS:
            student = demo_user(**{k: v for k, v in spec.items() if k != "profile"})
            StudentProfile.objects.update_or_create(user=student, defaults=spec["profile"])
            students.append(student)

        employers, organizations = [], []
        for spec in ORGANIZATIONS:
            owner = demo_user(**spec["owner"])
            organization = demo_organization(spec, owner=owner, staff=staff)
            employers.append(owner)
            organizations.append(organization)

        return DemoData(
            staff=staff, students=students, employers=employers, organizations=organizations
        )

    def print_summary(self, demo: DemoData) -> None:
        pending = sum(1 for org in demo.organizations if not org.is_verified)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(demo.students)} students, {len(demo.employers)} employers "
                f"in {len(demo.organizations)} organizations ({pending} pending verification), "
                "1 career-center staff."
            )
        )
        for line in demo.summary:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for user in [*demo.students, *demo.employers, demo.staff]:
            self.stdout.write(f"  {user.email:<24} {role_of(user)}")


def demo_user(*, email: str, first_name: str, last_name: str, is_staff: bool = False) -> User:
    """A demo user with the demo password and a verified primary email, created or refreshed."""
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_active": True,
            "is_staff": is_staff,
            "is_superuser": False,
        },
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user).exclude(email=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_organization(spec: dict, *, owner: User, staff: User) -> Organization:
    """The organization named in `spec`, registered by its owner and verified by staff if due."""
    organization = Organization.objects.filter(name=spec["name"]).first()
    if organization is None:
        organization = Organization.register(
            name=spec["name"],
            website=spec["website"],
            email_domain=spec["email_domain"],
            owner=owner,
        )
    else:
        Membership.objects.update_or_create(
            user=owner,
            organization=organization,
            defaults={"role": Membership.Role.OWNER, "status": Membership.Status.ACTIVE},
        )
    if organization.description != spec["description"]:
        organization.description = spec["description"]
        organization.save(update_fields=["description", "updated_at"])
    if spec["verified"] and organization.verification == Organization.Verification.PENDING:
        organization.verify(by=staff, note="Demo organization.")
    return organization


def app_seeders():
    """(app label, seed_demo function) for every installed app with a `demo` module."""
    for app_config in apps.get_app_configs():
        if app_config.name == "accounts" or not module_has_submodule(app_config.module, "demo"):
            continue
        module = import_module(f"{app_config.name}.demo")
        seed = getattr(module, "seed_demo", None)
        if seed is not None:
            yield app_config.label, seed


def role_of(user: User) -> str:
    if user.is_career_staff:
        return "career-center staff (/staff/)"
    organizations = ", ".join(
        org.name if org.is_verified else f"{org.name}, pending verification"
        for org in user.employer_organizations()
    )
    if organizations:
        return f"employer at {organizations} (/employer/)"
    return "student"
