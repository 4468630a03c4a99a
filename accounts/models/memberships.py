"""Memberships: a person's place in an organization, asked for, decided and recorded."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from lifecycle import Lifecycle, LifecycleEvent, LifecycleModel, Transition
from lifecycle.fields import VocabularyField, actor_field, state_field

if TYPE_CHECKING:
    from accounts.models.organizations import Organization


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
        OWNER = "owner"
        MEMBER = "member"

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Waiting for email confirmation"
        REQUESTED = "requested", "Asked to join"
        ACTIVE = "active"
        REMOVED = "removed"

    TRANSITIONS = Lifecycle(
        Status,
        # The requester confirmed their address: the owners see the request.
        confirm=Transition(Status.UNCONFIRMED, Status.REQUESTED, guard="_check_address_confirmed"),
        approve=Transition(
            {Status.REQUESTED, Status.REMOVED},
            Status.ACTIVE,
            stamp="decided_at",
            stamp_by="decided_by",
            notify={"join_approved": "member"},
        ),
        remove=Transition(
            {Status.UNCONFIRMED, Status.REQUESTED, Status.ACTIVE},
            Status.REMOVED,
            stamp="decided_at",
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
        "accounts.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    role = VocabularyField(Role, default=Role.MEMBER)
    status = state_field(Status, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = actor_field()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
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
            organizations = self._meta.get_field("organization").related_model.objects
            organization = organizations.select_for_update().get(pk=self.organization_id)
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
        "accounts.Organization", on_delete=models.CASCADE, related_name="membership_events"
    )
    role = models.CharField(max_length=20)
    #: For a request to join: whether its owners were emailed (the hourly limit counts these).
    owners_emailed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.membership}: {self.from_status or 'new'} → {self.to_status}"
