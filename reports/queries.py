"""Every figure of the career-center dashboard, computed by database aggregation.

Each function below is one query (or a fixed few) whatever the number of rows: counts are
conditional aggregates (`Count(filter=Q(...))`), medians and percentiles are PostgreSQL's
`percentile_cont`, and groupings (weeks, industries, currencies) are `GROUP BY`s. Python
only adds up grouped rows (at most one per day or per industry), never one row per listing or
application. `build_dashboard()` runs them side by side on a few connections of their own
(or one after the other in the caller's transaction): a constant number of queries, fifteen,
plus two settings per transaction (see `tune_for_reports`).

Periods are whole days in the site's time zone (UTC): from the first day's midnight to the
midnight after the last day.
"""

from __future__ import annotations

import datetime
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, connections, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organization
from applications.models import Application, Feedback
from listings.models import Industry, Listing, ListingEvent
from reports import payments

# --- The period and filters ------------------------------------------------------------


def data_years(*, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last day a report period may cover: the whole years the data spans.

    From 1 January of the year the first organization or listing was created (this year on
    an empty site) to 31 December of this year: a period outside holds no figures, and
    dates near the calendar's limits (0001-01-01, 9999-12-31) cannot be computed with.
    """
    today = today or timezone.localdate()
    firsts = [
        Organization.objects.aggregate(first=Min("created_at"))["first"],
        Listing.objects.aggregate(first=Min("created_at"))["first"],
    ]
    first_year = min(
        [today.year, *(timezone.localtime(moment).year for moment in firsts if moment)]
    )
    return datetime.date(first_year, 1, 1), datetime.date(today.year, 12, 31)


@dataclass(frozen=True)
class Period:
    """The days a report covers (both ends included) and, optionally, one industry."""

    date_from: datetime.date
    date_to: datetime.date
    industry: Industry | None = None
    preset: str = ""

    @classmethod
    def last_days(cls, days: int, *, industry: Industry | None = None, today=None) -> Period:
        """The last `days` days, today included."""
        today = today or timezone.localdate()
        return cls(
            date_from=today - datetime.timedelta(days=days - 1),
            date_to=today,
            industry=industry,
            preset=str(days),
        )

    @classmethod
    def from_filters(cls, filters: dict) -> Period:
        """Rebuild a period recorded with `as_filters()` (an export's filters)."""
        slug = filters.get("industry") or ""
        return cls(
            date_from=datetime.date.fromisoformat(filters["date_from"]),
            date_to=datetime.date.fromisoformat(filters["date_to"]),
            industry=Industry.objects.filter(slug=slug).first() if slug else None,
            preset=filters.get("period", ""),
        )

    def as_filters(self) -> dict:
        """JSON-friendly record of this period (stored on each export)."""
        return {
            "period": self.preset or "custom",
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "industry": self.industry.slug if self.industry else "",
            "industry_name": self.industry.name if self.industry else "",
        }

    @property
    def start(self) -> datetime.datetime:
        """Midnight at the start of the first day."""
        return timezone.make_aware(datetime.datetime.combine(self.date_from, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        """Midnight after the last day (excluded)."""
        next_day = self.date_to + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def label(self) -> str:
        text = f"{self.date_from:%-d %b %Y} to {self.date_to:%-d %b %Y}"
        return f"{text}, {self.industry.name}" if self.industry else text

    def during(self, path: str) -> Q:
        """`path` (a date-time field) falls inside the period."""
        return Q(**{f"{path}__gte": self.start, f"{path}__lt": self.end})

    def in_industry(self, path: str) -> Q:
        """`path` (an Industry relation) is the chosen industry, or anything without one."""
        return Q(**{path: self.industry}) if self.industry else Q()

    def weeks(self) -> list[datetime.date]:
        """The Mondays of every week the period touches."""
        monday = self.date_from - datetime.timedelta(days=self.date_from.weekday())
        weeks = []
        while monday <= self.date_to:
            weeks.append(monday)
            monday += datetime.timedelta(days=7)
        return weeks


# --- PostgreSQL's percentiles ------------------------------------------------------------


class Percentile(Aggregate):
    """`percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`: an interpolated percentile.

    Works on numbers and on intervals (pass `output_field=DurationField()` for those).
    Given a list of fractions it sorts once and returns the list of percentiles.
    """

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fractions)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float | list[float], **extra) -> None:
        several = isinstance(fraction, list | tuple)
        fractions = [float(f) for f in (fraction if several else [fraction])]
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("A percentile's fraction is between 0 and 1.")
        output = extra.pop("output_field", FloatField())
        extra["output_field"] = ArrayField(output) if several else output
        # Floats we produced ourselves: safe to write into the SQL as literals.
        literal = ", ".join(repr(f) for f in fractions)
        super().__init__(expression, fractions=f"ARRAY[{literal}]" if several else literal, **extra)


def Median(expression, **extra) -> Percentile:  # noqa: N802 (reads like the other aggregates)
    return Percentile(expression, 0.5, **extra)


def median_and_p90(values: list | None) -> tuple:
    """(median, 90th percentile) from `Percentile(..., [0.5, 0.9])` (None, None for no rows)."""
    return tuple(values) if values else (None, None)


# --- Figures ------------------------------------------------------------------------------

Status = Listing.Status
AppStatus = Application.Status

#: A moderation decision on a submitted listing.
DECISIONS = [Status.PUBLISHED, Status.REJECTED, Status.CHANGES_REQUESTED]
#: States an application reaches only through an offer (even without the offer's date).
OFFERED_OR_LATER = [
    AppStatus.OFFERED,
    AppStatus.ACCEPTED,
    AppStatus.DECLINED,
    AppStatus.OFFER_EXPIRED,
    AppStatus.WORK_SUBMITTED,
    AppStatus.REVISION_REQUESTED,
    AppStatus.COMPLETED,
    AppStatus.INCOMPLETE,
]
#: States an application reaches only through an acceptance.
ACCEPTED_OR_LATER = [
    AppStatus.ACCEPTED,
    AppStatus.WORK_SUBMITTED,
    AppStatus.REVISION_REQUESTED,
    AppStatus.COMPLETED,
    AppStatus.INCOMPLETE,
]
#: Listings whose project is over: nobody can be hired any more.
ENDED_LISTING = [Status.COMPLETED, Status.CANCELLED, Status.REMOVED, Status.REJECTED]


def listing_figures(period: Period, *, now: datetime.datetime) -> dict:
    """Listings: the moderation queue now, and moderation decisions in the period (2 queries)."""
    queue = Listing.objects.filter(period.in_industry("industry"), status=Status.SUBMITTED)
    current = queue.aggregate(waiting=Count("pk"), oldest_submitted_at=Min("submitted_at"))
    # The submission each decision answered: the latest one before it.
    submitted_before = (
        ListingEvent.objects.filter(
            listing=OuterRef("listing"),
            to_status=Status.SUBMITTED,
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    is_decision = Q(from_status=Status.SUBMITTED, to_status__in=DECISIONS)
    wait = F("created_at") - F("submitted_at")
    moderation = (
        ListingEvent.objects.filter(period.during("created_at"))
        .filter(period.in_industry("listing__industry"))
        .annotate(submitted_at=Subquery(submitted_before))
        .aggregate(
            submitted=Count("listing", distinct=True, filter=Q(to_status=Status.SUBMITTED)),
            rejected=Count(
                "listing",
                distinct=True,
                filter=Q(from_status=Status.SUBMITTED, to_status=Status.REJECTED),
            ),
            changes_requested=Count(
                "listing",
                distinct=True,
                filter=Q(from_status=Status.SUBMITTED, to_status=Status.CHANGES_REQUESTED),
            ),
            decisions=Count("pk", filter=is_decision),
            decision_times=Percentile(
                wait, [0.5, 0.9], filter=is_decision, output_field=DurationField()
            ),
        )
    )
    moderation["decision_median"], moderation["decision_p90"] = median_and_p90(
        moderation.pop("decision_times")
    )
    oldest = current.pop("oldest_submitted_at")
    return {**current, **moderation, "oldest_wait": now - oldest if oldest else None}


def applications_per_listing(period: Period) -> float | None:
    """Median applications received so far by the listings first published in the period (1 query).

    Applications are counted per listing in one pass over the application table's listing
    index, then joined to the period's listings (listings with none count as zero): one
    grouped join rather than one count per listing, whatever the size of the period.
    """
    listing, application = Listing._meta.db_table, Application._meta.db_table
    industry = "AND listing.industry_id = %(industry)s" if period.industry else ""
    # Table names come from the models, the period's values are parameters.
    sql = f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY COALESCE(received.n, 0))
        FROM {listing} AS listing
        LEFT JOIN (
            SELECT listing_id, count(*) AS n FROM {application} GROUP BY listing_id
        ) AS received ON received.listing_id = listing.id
        WHERE listing.published_at >= %(start)s AND listing.published_at < %(end)s {industry}
    """  # noqa: S608
    params = {
        "start": period.start,
        "end": period.end,
        "industry": getattr(period.industry, "pk", None),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def application_figures(period: Period, *, today: datetime.date) -> dict:
    """The applications submitted in the period, followed to where they are now (1 query)."""
    decided = Q(decided_at__isnull=False)
    delay = F("decided_at") - F("created_at")
    # The listings whose project is over, read once (through their indexes) and hashed:
    # a lookup per undecided application would cost one index probe per row.
    project_over = Q(
        listing__in=Listing.objects.filter(
            Q(due_date__lt=today) | Q(status__in=ENDED_LISTING)
        ).values("pk")
    )
    applications = Application.objects.filter(period.during("created_at"))
    if period.industry:
        applications = applications.filter(
            listing__in=Listing.objects.filter(industry=period.industry).values("pk")
        )
    return applications.aggregate(
        applications=Count("pk"),
        offers=Count("pk", filter=Q(offered_at__isnull=False) | Q(status__in=OFFERED_OR_LATER)),
        acceptances=Count(
            "pk", filter=Q(accepted_at__isnull=False) | Q(status__in=ACCEPTED_OR_LATER)
        ),
        completions=Count("pk", filter=Q(status=AppStatus.COMPLETED)),
        decided=Count("pk", filter=decided),
        decision_times=Percentile(delay, [0.5, 0.9], filter=decided, output_field=DurationField()),
        undecided_after_end=Count("pk", filter=Q(status__in=Application.PRE_OFFER) & project_over),
        applicants=Count("student", distinct=True),
    )


def completed_engagements(period: Period):
    """Engagements completed in the period (the base of the outcome figures)."""
    return Application.objects.filter(
        period.during("completed_at"),
        period.in_industry("listing__industry"),
        status=AppStatus.COMPLETED,
    )


def outcome_figures(period: Period) -> dict:
    """Completed engagements: feedback coverage, average ratings, students (1 query)."""
    # One feedback row per side at most (a unique constraint): joining each side adds no rows.
    return (
        completed_engagements(period)
        .annotate(
            by_employer=FilteredRelation(
                "feedback", condition=Q(feedback__author_role=Feedback.Author.EMPLOYER)
            ),
            by_student=FilteredRelation(
                "feedback", condition=Q(feedback__author_role=Feedback.Author.STUDENT)
            ),
        )
        .aggregate(
            completed=Count("pk"),
            both_sides=Count("pk", filter=Q(by_employer__isnull=False, by_student__isnull=False)),
            employer_rating=Avg("by_employer__rating"),
            student_rating=Avg("by_student__rating"),
            employer_ratings=Count("by_employer__rating"),
            student_ratings=Count("by_student__rating"),
            students_completed=Count("student", distinct=True),
        )
    )


def pay_by_currency(period: Period) -> list[dict]:
    """Fees paid and the median effective hourly rate, per currency (1 query)."""
    return list(
        completed_engagements(period)
        .values(currency=F("listing__currency"))
        .annotate(
            engagements=Count("pk"),
            fees=Sum("listing__fee"),
            median_rate=Median("listing__hourly_rate"),
        )
        .order_by("-fees", "currency")
    )


def top_organizations(period: Period, *, limit: int = 5) -> list[dict]:
    """Organizations with the most engagements completed in the period (1 query)."""
    return list(
        completed_engagements(period)
        .values(
            organization_id=F("listing__organization_id"),
            name=F("listing__organization__name"),
        )
        .annotate(completed=Count("pk"))
        .order_by("-completed", "name")[:limit]
    )


def organization_figures(period: Period) -> dict:
    """Organizations registered, verified and suspended in the period (1 query)."""
    organizations = Organization.objects.all()
    if period.industry:
        organizations = organizations.filter(
            Exists(Listing.objects.filter(organization=OuterRef("pk"), industry=period.industry))
        )

    def changed_to(status: str) -> Count:
        return Count(
            "pk",
            distinct=True,
            filter=Q(events__to_status=status) & period.during("events__created_at"),
        )

    return organizations.aggregate(
        new=Count("pk", distinct=True, filter=period.during("created_at")),
        verified=changed_to(Organization.Verification.VERIFIED),
        suspended=changed_to(Organization.Verification.SUSPENDED),
    )


def _activity_sources(period: Period) -> dict[str, tuple]:
    """Per kind of activity: the rows in the period, their moment, the path to their industry."""
    return {
        "listings": (
            Listing.objects.filter(period.during("published_at"), period.in_industry("industry")),
            "published_at",
            "industry__name",
        ),
        "applications": (
            Application.objects.filter(
                period.during("created_at"), period.in_industry("listing__industry")
            ),
            "created_at",
            "listing__industry__name",
        ),
    }


def activity_per_day(period: Period, kind: str) -> list[dict]:
    """Listings first published or applications submitted, per day of the period (1 query)."""
    rows, moment, _industry = _activity_sources(period)[kind]
    return list(rows.values(day=TruncDate(moment)).annotate(n=Count("pk")).order_by())


def activity_per_industry(period: Period, kind: str) -> list[dict]:
    """Listings first published or applications submitted, per industry (1 query).

    Counted apart from the days: grouping by day and industry at once costs twice as much
    on large tables as the two groupings one after the other.
    """
    rows, _moment, industry = _activity_sources(period)[kind]
    return list(rows.values(name=F(industry)).annotate(n=Count("pk")).order_by())


def activity(
    period: Period, counts: dict[str, tuple] | None = None
) -> tuple[list[dict], list[dict]]:
    """Listings first published and applications submitted, per week and per industry.

    Days add up into weeks. `counts` holds, per kind, the rows of `activity_per_day()` and
    `activity_per_industry()` when they were read already (4 queries if not).
    """
    counts = counts or {
        kind: (activity_per_day(period, kind), activity_per_industry(period, kind))
        for kind in _activity_sources(period)
    }
    weeks = {week: {"week": week, "listings": 0, "applications": 0} for week in period.weeks()}
    industries: dict[str, dict] = {}
    for key, (per_day, per_industry) in counts.items():
        for row in per_day:
            monday = row["day"] - datetime.timedelta(days=row["day"].weekday())
            weeks[monday][key] += row["n"]
        for row in per_industry:
            name = row["name"]
            totals = industries.setdefault(
                name, {"industry": name, "listings": 0, "applications": 0}
            )
            totals[key] += row["n"]
    by_industry = sorted(
        industries.values(),
        key=lambda row: (-row["applications"], -row["listings"], row["industry"]),
    )
    return list(weeks.values()), by_industry


# --- The dashboard -------------------------------------------------------------------------


def share(part: int | None, whole: int | None) -> float | None:
    """part ÷ whole, or None when there is nothing to divide."""
    return (part or 0) / whole if whole else None


@dataclass
class Dashboard:
    """Every figure for one period, as raw values (formatting is `figures.py`'s business)."""

    period: Period
    listings: dict = field(default_factory=dict)
    applications: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    pay: list[dict] = field(default_factory=list)
    organizations: dict = field(default_factory=dict)
    top_organizations: list[dict] = field(default_factory=list)
    weekly: list[dict] = field(default_factory=list)
    industries: list[dict] = field(default_factory=list)
    payments: dict = field(default_factory=dict)
    payment_organizations: list[dict] = field(default_factory=list)
    track_records: list = field(default_factory=list)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """Applications submitted in the period → offers → acceptances → completions."""
        a = self.applications
        return [
            ("Applications", a["applications"]),
            ("Offers", a["offers"]),
            ("Acceptances", a["acceptances"]),
            ("Completions", a["completions"]),
        ]

    @property
    def fees_total(self) -> dict[str, Decimal]:
        return {row["currency"]: row["fees"] for row in self.pay}


def build_dashboard(period: Period, *, now: datetime.datetime | None = None) -> Dashboard:
    """All the dashboard's figures for `period`: a fixed number of queries, whatever the data size.

    The figures are independent aggregates; outside a transaction they are read side by
    side on REPORTS_QUERY_THREADS database connections of their own (each large aggregate
    keeps one core of PostgreSQL busy, so two connections answer in about half the time).
    Inside a transaction (a test, a caller's atomic block) they are read one after the
    other on the caller's connection, which alone sees its uncommitted rows.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # The slowest first, so that the connections finish at about the same time.
    parts: dict[str, Callable[[], object]] = {
        "application_industries": lambda: activity_per_industry(period, "applications"),
        "applications": lambda: application_figures(period, today=today),
        "application_days": lambda: activity_per_day(period, "applications"),
        "per_listing": lambda: applications_per_listing(period),
        "listing_industries": lambda: activity_per_industry(period, "listings"),
        "listing_days": lambda: activity_per_day(period, "listings"),
        "outcomes": lambda: outcome_figures(period),
        "listings": lambda: listing_figures(period, now=now),
        "pay": lambda: pay_by_currency(period),
        "organizations": lambda: organization_figures(period),
        "top_organizations": lambda: top_organizations(period),
        "payments": lambda: payments.payment_figures(completed_engagements(period), now=now),
        "payment_organizations": lambda: payments.payments_by_organization(
            completed_engagements(period), now=now
        ),
        "track_records": payments.track_records,
    }
    threads = settings.REPORTS_QUERY_THREADS
    if threads > 1 and not connection.in_atomic_block:
        figures = _side_by_side(parts, threads)
    else:
        with transaction.atomic():
            tune_for_reports()
            figures = {name: part() for name, part in parts.items()}
    return _assemble(period, figures)


def _side_by_side(parts: dict[str, Callable[[], object]], threads: int) -> dict[str, object]:
    """Run the parts on `threads` worker threads, each on a database connection of its own.

    Each thread takes the next part in order until none is left, all in one transaction,
    and closes its connection at the end. The first error is raised once all have stopped.
    """
    waiting = deque(parts.items())  # popleft() is atomic: each part is taken once
    figures: dict[str, object] = {}
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with transaction.atomic():
                tune_for_reports()
                while waiting and not errors:
                    try:
                        name, part = waiting.popleft()
                    except IndexError:
                        break
                    figures[name] = part()
        except BaseException as error:  # re-raised in the calling thread below
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connections only

    workers = [threading.Thread(target=work, name=f"reports-{number}") for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return figures


def tune_for_reports() -> None:
    """Settings for the report's large aggregates, until the end of the current transaction.

    The JIT compiler goes off: these aggregates run for tens of milliseconds, and compiling
    them first costs more than that (it starts above a cost estimate that large tables reach
    at once). Sorts get more memory: counting distinct applicants sorts every application
    of the period, which spills to disk at the default 4 MB.
    """
    with connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL: both in one statement.
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"
        )


def _assemble(period: Period, figures: dict[str, object]) -> Dashboard:
    applications = figures["applications"]
    applications["decision_median"], applications["decision_p90"] = median_and_p90(
        applications.pop("decision_times")
    )
    applications["per_listing_median"] = figures["per_listing"]
    applications["completion_rate"] = share(
        applications["completions"], applications["acceptances"]
    )
    applications["no_decision_share"] = share(
        applications["undecided_after_end"], applications["applications"]
    )
    outcomes = figures["outcomes"]
    outcomes["coverage"] = share(outcomes["both_sides"], outcomes["completed"])
    weekly, industries = activity(
        period,
        {
            "listings": (figures["listing_days"], figures["listing_industries"]),
            "applications": (figures["application_days"], figures["application_industries"]),
        },
    )
    listings = figures["listings"]
    listings["published"] = sum(week["listings"] for week in weekly)
    return Dashboard(
        period=period,
        listings=listings,
        applications=applications,
        outcomes=outcomes,
        pay=figures["pay"],
        organizations=figures["organizations"],
        top_organizations=figures["top_organizations"],
        weekly=weekly,
        industries=industries,
        payments=figures["payments"],
        payment_organizations=figures["payment_organizations"],
        track_records=figures["track_records"],
    )
