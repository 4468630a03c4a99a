"""Organizations that hire: their verification lifecycle and who may act for them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models.memberships import Membership
from accounts.models.users import User
from lifecycle import Lifecycle, LifecycleEvent, LifecycleModel, Transition
from lifecycle.fields import actor_field, state_field


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
        VERIFIED = "verified"
        SUSPENDED = "suspended"

    TRANSITIONS = Lifecycle(
        Verification,
        field="verification",
        # The members hear each decision of the career center about their organization.
        verify=Transition(
            Verification.PENDING,
            Verification.VERIFIED,
            stamp="verified_at",
            stamp_by="verified_by",
            notify={"organization_verified": "members"},
        ),
        suspend=Transition(
            {Verification.PENDING, Verification.VERIFIED},
            Verification.SUSPENDED,
            notify={"organization_suspended": "members"},
        ),
        # Back to where it was before the suspension (see `reinstate`).
        reinstate=Transition(
            Verification.SUSPENDED,
            (Verification.PENDING, Verification.VERIFIED),
            notify={"organization_reinstated": "members"},
        ),
        return_to_verification=Transition(Verification.VERIFIED, Verification.PENDING),
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
    verification = state_field(Verification, default=Verification.PENDING)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = actor_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

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

    @property
    def shown_track_record(self):
        """The organization's track record when it rests on enough events to show, else None."""
        try:
            record = self.track_record
        except ObjectDoesNotExist:
            return None
        return record if record.shows_anything else None

    def active_members(self, *, role: str | None = None):
        """Users who are active members of this organization (optionally of one role)."""
        lookups = {
            "memberships__organization": self,
            "memberships__status": Membership.Status.ACTIVE,
        }
        if role:
            lookups["memberships__role"] = role
        return User.objects.filter(is_active=True, **lookups)

    def members_to_tell(self):
        """Active members whose address is confirmed: the site never writes to an address
        nobody has proved they own (anyone can sign up with someone else's)."""
        from allauth.account.models import EmailAddress

        confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        return self.active_members().filter(Exists(confirmed))

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

    def transition_notice(self, kind: str, audiences: tuple[str, ...], event) -> None:
        """Tell the organization's members what the career center decided."""
        link = reverse("employer:index")
        self.tell(self.members_to_tell(), kind, event, link=link, organization=self)

    def return_to_verification(self, *, by, note: str = "") -> None:
        """A verified organization whose identity changed waits for staff to verify it again."""
        self.apply_transition("return_to_verification", by=by, note=note)

    def _tell_staff_to_verify_again(self, *, by, note: str) -> None:
        staff = User.objects.filter(
            is_active=True, is_staff=True, groups__name=settings.CAREER_CENTER_GROUP
        ).distinct()
        link = reverse("admin:accounts_organization_change", args=[self.pk])
        self.tell(
            staff,
            "organization_changed",
            self.events.first(),
            link=link,
            organization=self,
            by=by,
            note=note,
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
