"""Saved searches: a student's `/listings/` search kept with daily or weekly email alerts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from lifecycle.fields import VocabularyField
from listings.filters import ListingFilter
from listings.models import Listing, ListingQuerySet


class SavedSearchQuerySet(models.QuerySet):
    def for_user(self, user) -> SavedSearchQuerySet:
        """One student's saved searches."""
        return self.filter(user=user)

    def active(self) -> SavedSearchQuerySet:
        """Searches whose alerts are not paused."""
        return self.filter(paused=False)

    def inactive_since(self, before: datetime.datetime) -> SavedSearchQuerySet:
        """Active searches whose owner has neither signed in nor visited them since `before`."""
        return self.active().filter(last_visit_at__lt=before).exclude(user__last_login__gte=before)

    def due_for_alert(self, now: datetime.datetime | None = None) -> SavedSearchQuerySet:
        """Active searches whose period has passed since the last alert (or since saving)."""
        now = now or timezone.now()
        due = Q()
        for frequency, period in SavedSearch.PERIODS.items():
            due |= Q(frequency=frequency, anchor__lte=now - period)
        return (
            self.active()
            .filter(user__is_active=True)
            .filter(
                Q(last_visit_at__gte=now - SavedSearch.PAUSE_AFTER)
                | Q(user__last_login__gte=now - SavedSearch.PAUSE_AFTER)
            )
            .alias(anchor=Coalesce("last_sent_at", "created_at"))
            .filter(due)
        )


class SavedSearch(models.Model):
    """A student's saved `/listings/` search, emailed daily or weekly as a digest of new matches."""

    class Frequency(models.TextChoices):
        DAILY = "daily"
        WEEKLY = "weekly"

    PERIODS = {
        Frequency.DAILY: datetime.timedelta(days=1),
        Frequency.WEEKLY: datetime.timedelta(days=7),
    }
    #: Alerts pause after this long without the student signing in or visiting their searches:
    #: a forgotten search must not email forever.
    PAUSE_AFTER = datetime.timedelta(days=90)
    #: Saved searches one student may keep.
    MAX_PER_USER = 20
    #: The `/listings/` parameters a search keeps, in this order (never the sort or the page).
    PARAMETERS = ["q", "industry", "skills", "location_type", "min_rate", "max_hours"]
    KEEP_ALIVE_SALT = "listings.saved_search.keep_alive"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    query = models.CharField(
        max_length=2000,
        blank=True,
        help_text="The browse page's filters as a normalised query string (empty: every project).",
    )
    frequency = VocabularyField(
        Frequency, constraint="saved_search_frequency_valid", max_length=10, default=Frequency.DAILY
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_visit_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="The student's last visit to their saved searches (or keep-alive link).",
    )
    paused = models.BooleanField(
        default=False,
        help_text="Alerts paused after 90 days without a visit; a visit resumes them.",
    )

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        # The table saved searches had when they lived in the listings app.
        db_table = "listings_savedsearch"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_query"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.description}"

    def get_absolute_url(self) -> str:
        url = reverse("listings:list")
        return f"{url}?{self.query}" if self.query else url

    # --- The search ---------------------------------------------------------------------

    @classmethod
    def normalize_query(cls, params) -> str:
        """The valid filters of a `/listings/` query (a QueryDict) in one canonical form."""
        form = ListingFilter(params, queryset=Listing.objects.none()).form
        form.is_valid()  # invalid values are left out, as the browse page does
        cleaned = form.cleaned_data
        pairs: list[tuple[str, str]] = []
        for name in cls.PARAMETERS:
            value = cleaned.get(name)
            if value in (None, "") or (name == "skills" and not value):
                continue
            if name == "q":
                value = " ".join(value.split())
            elif name == "industry":
                value = value.slug
            elif name == "skills":
                pairs.extend((name, slug) for slug in sorted(skill.slug for skill in value))
                continue
            elif isinstance(value, Decimal):
                value = format(value.normalize(), "f")
            if value:
                pairs.append((name, str(value)))
        return urlencode(pairs)

    def filterset(self, queryset: models.QuerySet | None = None):
        """The browse page's filter, bound to this search."""
        return ListingFilter(
            QueryDict(self.query),
            queryset=Listing.objects.open() if queryset is None else queryset,
        )

    @property
    def description(self) -> str:
        """The search in words: “design” · Non-profit · Remote · skills: Figma."""
        filterset = self.filterset(Listing.objects.none())
        form = filterset.form
        form.is_valid()
        cleaned = form.cleaned_data
        parts = []
        if cleaned.get("q"):
            parts.append(f"“{cleaned['q']}”")
        if cleaned.get("industry"):
            parts.append(cleaned["industry"].name)
        if cleaned.get("location_type"):
            parts.append(Listing.LocationType(cleaned["location_type"]).label)
        if cleaned.get("min_rate") is not None:
            parts.append(f"at least {format(cleaned['min_rate'].normalize(), 'f')} an hour")
        if cleaned.get("max_hours") is not None:
            parts.append(f"at most {format(cleaned['max_hours'].normalize(), 'f')} hours")
        if cleaned.get("skills"):
            parts.append("skills: " + ", ".join(skill.name for skill in cleaned["skills"]))
        return " · ".join(parts) or "Every open project"

    def new_listings(self, now: datetime.datetime | None = None) -> ListingQuerySet:
        """Open listings matching the search, published since the last alert (or since saving),
        that the student has not applied to; newest first."""
        now = now or timezone.now()
        since = self.last_sent_at or self.created_at
        listings = (
            self.filterset()
            .qs.filter(published_at__gt=since, published_at__lte=now)
            .order_by("-published_at", "-pk")
        )
        # Applications sit above listings; they are reached through their reverse relation.
        if hasattr(Listing, "applications"):
            listings = listings.exclude(applications__student=self.user_id)
        return listings

    # --- Changes ------------------------------------------------------------------------

    @classmethod
    def save_for(cls, *, user, params, frequency: str) -> tuple[SavedSearch, bool]:
        """Save a student's current search (saving it again changes only its frequency)."""
        if not getattr(user, "is_student", False):
            raise ValidationError("Saving searches is for student accounts.")
        if frequency not in cls.Frequency.values:
            raise ValidationError("Choose daily or weekly alerts.")
        query = cls.normalize_query(params)
        if len(query) > cls._meta.get_field("query").max_length:
            raise ValidationError("This search is too long to save; choose fewer skills.")
        now = timezone.now()
        with transaction.atomic():
            existing = cls.objects.select_for_update().filter(user=user, query=query).first()
            if existing is not None:
                existing.frequency, existing.paused, existing.last_visit_at = frequency, False, now
                existing.save(update_fields=["frequency", "paused", "last_visit_at"])
                return existing, False
            if cls.objects.filter(user=user).count() >= cls.MAX_PER_USER:
                raise ValidationError(
                    f"You can keep up to {cls.MAX_PER_USER} saved searches; "
                    "delete one you no longer need first."
                )
            return cls.objects.create(user=user, query=query, frequency=frequency), True

    def change_frequency(self, frequency: str) -> None:
        """Switch between daily and weekly alerts."""
        if frequency not in self.Frequency.values:
            raise ValidationError("Choose daily or weekly alerts.")
        self.frequency = frequency
        self.save(update_fields=["frequency"])

    def record_sent(self, now: datetime.datetime) -> None:
        """Remember that a digest up to `now` was sent: the next one starts there."""
        self.last_sent_at = now
        SavedSearch.objects.filter(pk=self.pk).update(last_sent_at=now)

    def period_key(self, now: datetime.datetime) -> str:
        """The alert period `now` falls in (a day, or an ISO week): one digest per period."""
        if self.frequency == self.Frequency.WEEKLY:
            year, week, _day = now.isocalendar()
            return f"{year}-W{week:02d}"
        return now.date().isoformat()

    @property
    def pauses_at(self) -> datetime.datetime:
        """When alerts pause unless the student visits before."""
        return self.last_visit_at + self.PAUSE_AFTER

    @classmethod
    def keep_alive(cls, *, user, now: datetime.datetime | None = None) -> int:
        """Record a visit: the student's alerts keep coming (paused ones resume)."""
        return cls.objects.for_user(user).update(last_visit_at=now or timezone.now(), paused=False)

    @classmethod
    def pause_inactive(cls, now: datetime.datetime | None = None) -> list[SavedSearch]:
        """Pause the alerts of searches nobody visited for PAUSE_AFTER; the ones paused now."""
        now = now or timezone.now()
        # The rows stay locked until they are marked: a second beat skips them.
        with transaction.atomic():
            stale = list(
                cls.objects.inactive_since(now - cls.PAUSE_AFTER)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
            )
            cls.objects.filter(pk__in=[search.pk for search in stale]).update(paused=True)
        for search in stale:
            search.paused = True
        return stale

    # --- The keep-alive link --------------------------------------------------------------

    @classmethod
    def keep_alive_token(cls, user_id: int) -> str:
        """A signed token that keeps one student's alerts coming, without signing in."""
        return signing.dumps({"u": user_id}, salt=cls.KEEP_ALIVE_SALT)

    @classmethod
    def user_id_from_keep_alive_token(cls, token: str) -> int:
        """The student a keep-alive token is for; raises signing.BadSignature if forged."""
        data = signing.loads(token, salt=cls.KEEP_ALIVE_SALT)
        try:
            return int(data["u"])
        except (TypeError, KeyError, ValueError) as error:
            raise signing.BadSignature("Malformed keep-alive token.") from error

    @classmethod
    def keep_alive_url(cls, user_id: int) -> str:
        """The absolute one-click keep-alive link for a student's alert emails."""
        path = reverse("searches:keep_alive", kwargs={"token": cls.keep_alive_token(user_id)})
        return settings.SITE_URL + path
