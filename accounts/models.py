from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.uploads import private_storage, resume_path, validate_resume
from lifecycle import Lifecycle, LifecycleEvent, LifecycleModel, Transition, choices_constraint


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address: student, employer or staff."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            # Emails are stored in lower case so that uniqueness ignores case on every path.
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="user_email_lowercase",
                violation_error_message="Enter the email address in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def normalize(email: str | None) -> str:
        """The stored form of an email address: trimmed and lower case."""
        return (email or "").strip().lower()

    def clean(self) -> None:
        super().clean()
        self.email = self.normalize(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = self.normalize(self.email)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name to greet the person by: full name, else the email's local part."""
        return self.get_full_name() or self.email.split("@")[0]

    @property
    def is_student(self) -> bool:
        """True for a person with a student profile."""
        return hasattr(self, "student_profile")

    @property
    def is_career_staff(self) -> bool:
        """True for career-center staff (staff flag plus the group) and superusers."""
        if not self.is_active or not self.is_staff:
            return False
        if self.is_superuser:
            return True
        return self.groups.filter(name=settings.CAREER_CENTER_GROUP).exists()

    def employer_organizations(self) -> OrganizationQuerySet:
        """Organizations this person may act for in the employer site."""
        return Organization.objects.employable_by(self)

    @property
    def is_employer(self) -> bool:
        """True for an active member of an organization that is not suspended."""
        return self.is_authenticated and self.employer_organizations().exists()


class OrganizationQuerySet(models.QuerySet):
    def verified(self) -> OrganizationQuerySet:
        """Organizations whose listings may be published."""
        return self.filter(verification=Organization.Verification.VERIFIED)

    def pending(self) -> OrganizationQuerySet:
        """Organizations waiting for the career center to verify them."""
        return self.filter(verification=Organization.Verification.PENDING)

    def employable_by(self, user) -> OrganizationQuerySet:
        """Organizations in which `user` is an active member, suspended ones excluded."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.exclude(verification=Organization.Verification.SUSPENDED).filter(
            memberships__user=user,
            memberships__status=Membership.Status.ACTIVE,
        )

    def for_email_domain(self, domain: str) -> OrganizationQuerySet:
        """Organizations whose claim on this email domain holds (never a free webmail domain).

        A claim holds once the career center has verified the organization and one of its
        active owners has confirmed an address at the domain: an unconfirmed sign-up, or an
        organization nobody checked, never makes a colleague a mere "requested member".
        The earliest verified claim comes first.
        """
        from allauth.account.models import EmailAddress

        domain = (domain or "").strip().lower()
        if not domain or domain in settings.FREE_EMAIL_DOMAINS:
            return self.none()
        confirmed_owner = Membership.objects.filter(
            organization=OuterRef("pk"),
            role=Membership.Role.OWNER,
            status=Membership.Status.ACTIVE,
            user__is_active=True,
            user__in=EmailAddress.objects.filter(
                verified=True, email__iendswith=f"@{domain}"
            ).values("user"),
        )
        return (
            self.verified()
            .filter(email_domain=domain)
            .filter(Exists(confirmed_owner))
            .order_by("verified_at", "pk")
        )


def organization_logo_path(instance: Organization, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "img"
    return f"logos/{instance.slug}.{suffix}"


class Organization(LifecycleModel, models.Model):
    """A hiring organization: a company, non-profit or campus office."""

    class Verification(models.TextChoices):
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        SUSPENDED = "suspended", "Suspended"

    TRANSITIONS = Lifecycle(
        Verification,
        field="verification",
        verify=Transition(
            source={Verification.PENDING},
            target=Verification.VERIFIED,
            stamp=("verified_at",),
            stamp_by="verified_by",
        ),
        suspend=Transition(
            source={Verification.PENDING, Verification.VERIFIED}, target=Verification.SUSPENDED
        ),
        # Back to where it was before the suspension (see `reinstate`).
        reinstate=Transition(
            source={Verification.SUSPENDED},
            target=(Verification.PENDING, Verification.VERIFIED),
        ),
        return_to_verification=Transition(
            source={Verification.VERIFIED}, target=Verification.PENDING
        ),
    )

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    website = models.URLField(blank=True)
    email_domain = models.CharField(
        max_length=253,
        blank=True,
        db_index=True,
        help_text="People signing up with an email at this domain may ask to join.",
    )
    description = models.TextField(blank=True, max_length=5000)
    logo = models.ImageField(upload_to=organization_logo_path, blank=True)
    verification = models.CharField(
        max_length=20,
        choices=Verification.choices,
        default=Verification.PENDING,
        db_index=True,
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    Meta.constraints = [
        choices_constraint("organization_verification_valid", Verification, field="verification")
    ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = self._unique_slug()
        self.email_domain = (self.email_domain or "").strip().lower().lstrip("@")
        super().save(*args, **kwargs)

    def _unique_slug(self) -> str:
        base = slugify(self.name)[:200] or "organization"
        slug, n = base, 2
        while Organization.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug = f"{base}-{n}"
            n += 1
        return slug

    @classmethod
    def register(cls, *, name: str, website: str, email_domain: str, owner) -> Organization:
        """Create a pending organization with `owner` as its first (owner) member."""
        email_domain = (email_domain or "").strip().lower()
        if email_domain in settings.FREE_EMAIL_DOMAINS:
            email_domain = ""
        # The domain is only asked for here: the claim holds once staff verify the
        # organization and its owner has confirmed an address at it (`for_email_domain`).
        with transaction.atomic():
            organization = cls.objects.create(name=name, website=website, email_domain=email_domain)
            membership = Membership.objects.create(
                user=owner,
                organization=organization,
                role=Membership.Role.OWNER,
                status=Membership.Status.ACTIVE,
            )
            membership.record(by=owner, from_status="", note="Registered the organization.")
        return organization

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def is_suspended(self) -> bool:
        return self.verification == self.Verification.SUSPENDED

    def active_members(self, *, role: str | None = None):
        """Users who are active members of this organization (optionally of one role)."""
        lookups = {
            "memberships__organization": self,
            "memberships__status": Membership.Status.ACTIVE,
        }
        if role:
            lookups["memberships__role"] = role
        return User.objects.filter(is_active=True, **lookups)

    def transition_refused(self, current: str, transition: Transition, target: str) -> str:
        label = self.TRANSITIONS.label
        return f"{self.name} is {label(current).lower()}; it cannot become {label(target).lower()}."

    def verify(self, *, by, note: str = "") -> None:
        """Mark a pending organization as verified so its listings can be published.

        A domain another verified organization already holds stays with that one.
        """
        with transaction.atomic():
            holder = (
                Organization.objects.for_email_domain(self.email_domain).exclude(pk=self.pk).first()
                if self.email_domain
                else None
            )
            if holder is not None:
                kept = f"{self.email_domain} stays with {holder.name}, which claimed it first."
                note = f"{note} {kept}".strip()
                self.email_domain = ""
                self.save(update_fields=["email_domain", "updated_at"])
            self.apply_transition("verify", by=by, note=note)

    #: Changing these on a verified organization sends it back to verification.
    IDENTITY_FIELDS = ("name", "website")

    def can_edit_details(self, user) -> bool:
        """Only the organization's active owners change its name, website and profile."""
        return self.memberships.filter(
            user=user, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
        ).exists()

    def save_details(self, *, by) -> bool:
        """Save an owner's edit of the profile; a new name or website needs verifying again.

        Returns True when the organization went back to pending verification: staff are
        told, and the verified badge is gone until they verify it again.
        """
        if not self.can_edit_details(by):
            raise ValidationError("Only an owner of the organization can change its details.")
        with transaction.atomic():
            stored = Organization.objects.select_for_update().get(pk=self.pk)
            changed = [
                field
                for field in self.IDENTITY_FIELDS
                if (getattr(stored, field) or "").strip() != (getattr(self, field) or "").strip()
            ]
            # The status is the stored one: a form never sets it.
            self.verification = stored.verification
            self.verified_at, self.verified_by_id = stored.verified_at, stored.verified_by_id
            self.save()
            if not changed or stored.verification != self.Verification.VERIFIED:
                return False
            note = "; ".join(
                f"{field} changed from “{getattr(stored, field)}” to “{getattr(self, field)}”"
                for field in changed
            )
            self.return_to_verification(by=by, note=f"Back to verification: {note}.")
            self._tell_staff_to_verify_again(by=by, note=note)
        return True

    def return_to_verification(self, *, by, note: str = "") -> None:
        """A verified organization whose identity changed waits for staff to verify it again."""
        self.apply_transition("return_to_verification", by=by, note=note)

    def _tell_staff_to_verify_again(self, *, by, note: str) -> None:
        from notifications.outbox import queue_email

        event = self.events.first()
        for person in User.objects.filter(
            is_active=True, is_staff=True, groups__name=settings.CAREER_CENTER_GROUP
        ).distinct():
            queue_email(
                to=person.email,
                recipient=person,
                kind="accounts.organization_changed",
                template="accounts/email/organization_changed",
                context={"organization": self, "person": person, "by": by, "note": note},
                link=reverse("admin:accounts_organization_change", args=[self.pk]),
                dedupe_key=f"accounts.organization_changed:{event.pk}:{person.pk}",
            )

    def suspend(self, *, by, note: str = "") -> None:
        """Suspend an organization: its members lose access to the employer site."""
        self.apply_transition("suspend", by=by, note=note)

    def reinstate(self, *, by, note: str = "") -> None:
        """Lift a suspension: back to where it was, so reinstating never skips verification."""
        suspended_from = (
            self.events.filter(to_status=self.Verification.SUSPENDED)
            .values_list("from_status", flat=True)
            .first()
        )
        if suspended_from == self.Verification.PENDING:
            self.apply_transition("reinstate", by=by, note=note, to=self.Verification.PENDING)
        else:
            # Verified again now, by whoever lifted the suspension.
            self.apply_transition(
                "reinstate",
                by=by,
                note=note,
                to=self.Verification.VERIFIED,
                fields={"verified_at": timezone.now(), "verified_by": by},
            )


class OrganizationEvent(LifecycleEvent):
    """Append-only record of an organization's verification changes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"{self.organization}: {self.from_status} → {self.to_status}"


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.ACTIVE)

    def requested(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.REQUESTED)

    def visible_to_owners(self) -> MembershipQuerySet:
        """What an organization's people see: requests appear once the address is confirmed."""
        return self.exclude(status=Membership.Status.UNCONFIRMED)


class Membership(LifecycleModel, models.Model):
    """A person's place in an organization: owners manage members, members post listings."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Waiting for email confirmation"
        REQUESTED = "requested", "Asked to join"
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"

    TRANSITIONS = Lifecycle(
        Status,
        # The requester confirmed their address: the owners see the request.
        confirm=Transition(
            source={Status.UNCONFIRMED}, target=Status.REQUESTED, guard="_check_address_confirmed"
        ),
        approve=Transition(
            source={Status.REQUESTED, Status.REMOVED},
            target=Status.ACTIVE,
            stamp=("decided_at",),
            stamp_by="decided_by",
            notify={"join_approved": ("member",)},
        ),
        remove=Transition(
            source={Status.UNCONFIRMED, Status.REQUESTED, Status.ACTIVE},
            target=Status.REMOVED,
            stamp=("decided_at",),
            stamp_by="decided_by",
            guard="_check_another_owner_remains",
        ),
    )

    #: Join requests an organization's owners are emailed about in an hour; requests past
    #: it still wait on the members page, without an email each.
    JOIN_REQUEST_EMAILS_PER_HOUR = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]

    Meta.constraints += [
        choices_constraint("membership_role_valid", Role, field="role"),
        choices_constraint("membership_status_valid", Status),
    ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"

    def record(
        self, *, by, from_status: str, note: str = "", owners_emailed: bool = False
    ) -> MembershipEvent:
        """Write the event row for a change of this membership (status and role as now)."""
        return self.write_event(
            by=by,
            from_status=from_status,
            to_status=self.status,
            note=note,
            owners_emailed=owners_emailed,
        )

    def transition_event_fields(self) -> dict:
        return {"organization_id": self.organization_id, "role": self.role}

    def transition_refused(self, current: str, transition: Transition, target: str) -> str:
        return f"{self.user} is already {self.TRANSITIONS.label(current).lower()}."

    @classmethod
    def ask_to_join(cls, *, user, organization: Organization) -> Membership:
        """Note a newcomer's wish to join; it becomes a request once their address is confirmed."""
        with transaction.atomic():
            membership = cls.objects.create(
                user=user, organization=organization, status=cls.Status.UNCONFIRMED
            )
            membership.record(
                by=user, from_status="", note="Signed up with an address at the domain."
            )
        return membership

    @classmethod
    def confirm_requests(cls, *, user) -> list[Membership]:
        """After `user` confirmed their address: pass their waiting requests on to the owners."""
        made = []
        for membership in cls.objects.filter(user=user, status=cls.Status.UNCONFIRMED):
            membership.confirm()
            made.append(membership)
        return made

    def confirm(self) -> None:
        """The requester's address is confirmed: the owners see the request (and are told)."""
        with transaction.atomic():
            # Locking the organization counts its requests of the last hour one at a time.
            organization = Organization.objects.select_for_update().get(pk=self.organization_id)
            since = timezone.now() - datetime.timedelta(hours=1)
            emailed_lately = MembershipEvent.objects.filter(
                organization=organization,
                to_status=self.Status.REQUESTED,
                owners_emailed=True,
                created_at__gte=since,
            ).count()
            email_owners = emailed_lately < self.JOIN_REQUEST_EMAILS_PER_HOUR
            self.apply_transition(
                "confirm",
                by=self.user,
                note=(
                    "Confirmed their address; the owners were emailed."
                    if email_owners
                    else "Confirmed their address; too many requests this hour to email the owners."
                ),
                event_fields={"owners_emailed": email_owners},
            )
            if email_owners:
                self._tell_owners(organization)

    def _check_address_confirmed(self, current: str) -> None:
        if not self.user.emailaddress_set.filter(
            email__iexact=self.user.email, verified=True
        ).exists():
            raise ValidationError(
                f"{self.user} has not confirmed their address yet; the request waits."
            )

    def _tell_owners(self, organization: Organization) -> None:
        from notifications.outbox import queue_email

        for owner in organization.active_members(role=self.Role.OWNER):
            queue_email(
                to=owner.email,
                recipient=owner,
                kind="accounts.join_request",
                template="accounts/email/join_request",
                context={"organization": organization, "requester": self.user, "owner": owner},
                link=reverse("employer:accounts_membership_changelist")
                + "?status__exact=requested",
                dedupe_key=f"accounts.join_request:{self.pk}:{owner.pk}",
            )

    @classmethod
    def request_to_join(cls, *, user, organization: Organization) -> Membership:
        """Record a request to join from a confirmed address and tell the organization's owners."""
        with transaction.atomic():
            membership = cls.ask_to_join(user=user, organization=organization)
            membership.confirm()
        return membership

    def _check_another_owner_remains(self, current: str) -> None:
        role = Membership.objects.values_list("role", flat=True).get(pk=self.pk)
        if role != self.Role.OWNER:
            return
        others = (
            Membership.objects.active()
            .filter(organization_id=self.organization_id, role=self.Role.OWNER)
            .exclude(pk=self.pk)
        )
        if not others.exists():
            raise ValidationError(
                "An organization needs at least one owner; add another owner first."
            )

    def approve(self, *, by) -> None:
        """Let a person who asked to join into the organization, and tell them."""
        self.apply_transition("approve", by=by)

    def remove(self, *, by) -> None:
        """Take a person out of the organization (or decline their request)."""
        self.apply_transition("remove", by=by)

    def transition_notice(self, kind: str, audiences: tuple[str, ...], event) -> None:
        from notifications.outbox import queue_email

        # The one email a membership's transitions send: the approved member is told.
        queue_email(
            to=self.user.email,
            recipient=self.user,
            kind=f"accounts.{kind}",
            template=f"accounts/email/{kind}",
            context={"organization": self.organization, "member": self.user, "by": event.actor},
            dedupe_key=f"accounts.{kind}:{self.pk}:{self.decided_at.isoformat()}",
        )


class MembershipEvent(LifecycleEvent):
    """Append-only record of every change of a membership: joining, requests, decisions, roles."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="membership_events"
    )
    role = models.CharField(max_length=20)
    #: For a request to join: whether its owners were emailed (the hourly limit counts these).
    owners_emailed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.membership}: {self.from_status or 'new'} → {self.to_status}"


class StudentProfile(models.Model):
    """What a student tells employers about themselves."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    school = models.CharField(max_length=200, blank=True)
    program = models.CharField("program or major", max_length=200, blank=True)
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bio = models.TextField("short bio", max_length=1000, blank=True)
    portfolio_url = models.URLField("portfolio website", blank=True)
    github_url = models.URLField("GitHub profile", blank=True)
    linkedin_url = models.URLField("LinkedIn profile", blank=True)
    weekly_hours = models.PositiveSmallIntegerField(
        "hours a week you can work",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    resume = models.FileField(
        "résumé (PDF)",
        upload_to=resume_path,
        storage=private_storage,
        blank=True,
        validators=[validate_resume],
        help_text="A PDF of at most 5 MB. Only employers you apply to and the career center see it.",
    )
    resume_uploaded_at = models.DateTimeField(null=True, blank=True)
    handle = models.SlugField(
        "portfolio address",
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text="Your public portfolio lives at /students/your-address/. Letters, numbers and hyphens.",
    )
    portfolio_public = models.BooleanField(
        "show my portfolio publicly",
        default=False,
        help_text="Shows your name, school, skills and verified projects. Never your contact details.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(graduation_year__isnull=True)
                | Q(graduation_year__gte=1950, graduation_year__lte=2100),
                name="student_graduation_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(portfolio_public=False) | Q(handle__isnull=False),
                name="public_portfolio_has_handle",
            ),
        ]

    def __str__(self) -> str:
        return f"Student profile of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    def replace_resume(self, upload: File) -> None:
        """Store a new résumé under a fresh random name; the old file goes once this commits."""
        replaced = self.resume.name if self.resume else ""
        storage = self.resume.storage
        with transaction.atomic():
            # Stored on save under upload_to's random name; the student's file name is dropped.
            self.resume = upload
            self.resume_uploaded_at = timezone.now()
            self.save(update_fields=["resume", "resume_uploaded_at", "updated_at"])
            if replaced:
                # Only once the new name is committed: a rollback keeps the old file.
                transaction.on_commit(lambda: storage.delete(replaced))
