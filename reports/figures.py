"""The dashboard's figures as labelled, formatted values, each with its definition.

The definitions are shown on the page under each number: they are what a figure means,
so a change here is a change of the report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reports.queries import Dashboard, share

NO_DATA = "—"


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard."""

    key: str
    label: str
    text: str
    definition: str


@dataclass(frozen=True)
class Section:
    """A group of figures under one heading."""

    slug: str
    title: str
    figures: list[Figure]


def count(value: int | None) -> str:
    return f"{value or 0:,}"


def duration(value: datetime.timedelta | None) -> str:
    """12 min, 5.5 hours, 3.2 days."""
    if value is None:
        return NO_DATA
    seconds = value.total_seconds()
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def percent(value: float | None) -> str:
    """0.25 -> 25%; 1/3 -> 33.3%."""
    if value is None:
        return NO_DATA
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def money(amount, currency: str) -> str:
    amount = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{currency} {amount:,}"


def rating(average: float | None, how_many: int) -> str:
    if average is None:
        return NO_DATA
    return f"{average:.1f} / 5 ({how_many:,} rating{'s' if how_many != 1 else ''})"


def per_currency(rows: list[dict], key: str, *, suffix: str = "") -> str:
    if not rows:
        return NO_DATA
    return "; ".join(money(row[key], row["currency"]) + suffix for row in rows)


def sections(dashboard: Dashboard) -> list[Section]:
    """Every figure of the dashboard, grouped as on the page."""
    listings, applications = dashboard.listings, dashboard.applications
    outcomes, organizations = dashboard.outcomes, dashboard.organizations
    median_per_listing = applications["per_listing_median"]
    return [
        Section(
            "listings",
            "Listings",
            [
                Figure(
                    "published",
                    "Published",
                    count(listings["published"]),
                    "Listings published for the first time in the period.",
                ),
                Figure(
                    "submitted",
                    "Submitted for review",
                    count(listings["submitted"]),
                    "Listings sent to the career center for review in the period, "
                    "resubmissions included (each listing counted once).",
                ),
                Figure(
                    "rejected",
                    "Rejected",
                    count(listings["rejected"]),
                    "Listings rejected in the period.",
                ),
                Figure(
                    "changes_requested",
                    "Changes requested",
                    count(listings["changes_requested"]),
                    "Listings sent back to their organization for changes in the period.",
                ),
                Figure(
                    "decision_median",
                    "Time to decision, median",
                    duration(listings["decision_median"]),
                    f"From a listing's submission to the decision on it (publish, reject or "
                    f"request changes), over the {listings['decisions']:,} decisions of the period.",
                ),
                Figure(
                    "decision_p90",
                    "Time to decision, 90th percentile",
                    duration(listings["decision_p90"]),
                    "Nine decisions in ten were made within this time.",
                ),
                Figure(
                    "waiting",
                    "Waiting for review now",
                    count(listings["waiting"]),
                    "Listings submitted and not yet decided, today (whatever the period).",
                ),
                Figure(
                    "oldest_wait",
                    "Oldest wait now",
                    duration(listings["oldest_wait"]),
                    "Time since the longest-waiting listing was submitted.",
                ),
            ],
        ),
        Section(
            "applications",
            "Applications",
            [
                Figure(
                    "applications",
                    "Submitted",
                    count(applications["applications"]),
                    "Applications submitted in the period. The figures below follow these "
                    "applications to where they are today.",
                ),
                Figure(
                    "per_listing_median",
                    "Per listing, median",
                    NO_DATA if median_per_listing is None else f"{median_per_listing:g}",
                    "Applications received so far by each listing first published in the "
                    "period (listings with none count as zero); the median.",
                ),
                Figure(
                    "offers",
                    "Offers",
                    count(applications["offers"]),
                    "Applications submitted in the period that received an offer.",
                ),
                Figure(
                    "acceptances",
                    "Acceptances",
                    count(applications["acceptances"]),
                    "Applications submitted in the period whose offer the student accepted.",
                ),
                Figure(
                    "completion_rate",
                    "Completion rate",
                    percent(applications["completion_rate"]),
                    "Completed ÷ accepted, among the applications submitted in the period. "
                    "Engagements still in progress count as not completed yet.",
                ),
                Figure(
                    "decision_median",
                    "Time to decision, median",
                    duration(applications["decision_median"]),
                    "From application to the organization's decision (offer or not selected), "
                    "for the applications of the period decided so far.",
                ),
                Figure(
                    "decision_p90",
                    "Time to decision, 90th percentile",
                    duration(applications["decision_p90"]),
                    "Nine decided applications in ten were decided within this time.",
                ),
                Figure(
                    "no_decision_share",
                    "Left without a decision",
                    percent(applications["no_decision_share"]),
                    "Share of the period's applications still waiting for a decision although "
                    "the project is over (due date passed, or the listing completed, cancelled, "
                    "removed or rejected). It should be 0%.",
                ),
            ],
        ),
        Section(
            "outcomes",
            "Outcomes",
            [
                Figure(
                    "completed",
                    "Completed engagements",
                    count(outcomes["completed"]),
                    "Engagements the organization confirmed as completed in the period.",
                ),
                Figure(
                    "fees",
                    "Fees paid to students",
                    per_currency(dashboard.pay, "fees"),
                    "The listing's fee for each engagement completed in the period, "
                    "per currency (fees in different currencies are not added up).",
                ),
                Figure(
                    "median_rate",
                    "Median effective hourly rate",
                    per_currency(dashboard.pay, "median_rate", suffix=" an hour"),
                    "Fee ÷ estimated hours of the engagements completed in the period; the "
                    "median, per currency.",
                ),
                Figure(
                    "coverage",
                    "Feedback coverage",
                    percent(outcomes["coverage"]),
                    "Engagements completed in the period with feedback from both the "
                    "organization and the student.",
                ),
                Figure(
                    "employer_rating",
                    "Students' average rating",
                    rating(outcomes["employer_rating"], outcomes["employer_ratings"]),
                    "Organizations' ratings of the students, for engagements completed in "
                    "the period.",
                ),
                Figure(
                    "student_rating",
                    "Experience's average rating",
                    rating(outcomes["student_rating"], outcomes["student_ratings"]),
                    "Students' ratings of the experience, for engagements completed in the period.",
                ),
            ],
        ),
        Section(
            "organizations",
            "Organizations",
            [
                Figure(
                    "new",
                    "New",
                    count(organizations["new"]),
                    "Organizations registered in the period. With an industry chosen, "
                    "organization figures count those with a listing in it.",
                ),
                Figure(
                    "verified",
                    "Verified",
                    count(organizations["verified"]),
                    "Organizations the career center verified in the period.",
                ),
                Figure(
                    "suspended",
                    "Suspended",
                    count(organizations["suspended"]),
                    "Organizations suspended in the period.",
                ),
            ],
        ),
        Section(
            "students",
            "Students",
            [
                Figure(
                    "applicants",
                    "Active applicants",
                    count(applications["applicants"]),
                    "Students who submitted at least one application in the period.",
                ),
                Figure(
                    "students_completed",
                    "With a completed engagement",
                    count(outcomes["students_completed"]),
                    "Students with at least one engagement completed in the period.",
                ),
            ],
        ),
    ]


# --- The data tables beside the charts ------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A small data table: the first cell of each row is its header."""

    slug: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    empty: str = "Nothing in this period."


def weekly_table(dashboard: Dashboard) -> Table:
    return Table(
        "weekly-data",
        "Per week (weeks start on Monday; the first and last may be partial)",
        ["Week starting", "Listings published", "Applications submitted"],
        [
            [f"{row['week']:%-d %b %Y}", count(row["listings"]), count(row["applications"])]
            for row in dashboard.weekly
        ],
    )


def industry_table(dashboard: Dashboard) -> Table:
    return Table(
        "industry-data",
        "Listings published and applications submitted in the period, by industry",
        ["Industry", "Listings published", "Applications submitted"],
        [
            [row["industry"], count(row["listings"]), count(row["applications"])]
            for row in dashboard.industries
        ],
    )


def funnel_table(dashboard: Dashboard) -> Table:
    stages = dashboard.funnel
    first = stages[0][1]
    return Table(
        "funnel-data",
        "Applications submitted in the period, and how far they have come",
        ["Stage", "Applications", "Share of applications"],
        [[name, count(value), percent(value / first if first else None)] for name, value in stages],
    )


def pay_table(dashboard: Dashboard) -> Table:
    return Table(
        "pay-data",
        "Engagements completed in the period, by currency",
        ["Currency", "Engagements", "Fees paid", "Median hourly rate"],
        [
            [
                row["currency"],
                count(row["engagements"]),
                money(row["fees"], row["currency"]),
                money(row["median_rate"], row["currency"]),
            ]
            for row in dashboard.pay
        ],
        empty="No engagements completed in this period.",
    )


# --- Payments and track records ---------------------------------------------------------------


def payment_section(dashboard: Dashboard) -> Section:
    """Whether the period's completed engagements were paid, as the students confirmed."""
    figures = dashboard.payments
    completed = figures["completed"]
    return Section(
        "payments",
        "Payments",
        [
            Figure(
                "paid_in_time",
                "Paid within 14 days",
                f"{count(figures['paid_in_time'])} ({percent(share(figures['paid_in_time'], completed))})",
                "Engagements completed in the period whose payment the student confirmed, "
                "paid at most 14 days after completion (the date the organization recorded).",
            ),
            Figure(
                "unpaid_after_30",
                "Unpaid after 30 days",
                count(figures["unpaid_after_30"]),
                "Engagements completed in the period, 30 days ago or more, whose payment no "
                "student has confirmed yet.",
            ),
            Figure(
                "awaiting_confirmation",
                "Waiting for the student",
                count(figures["awaiting_confirmation"]),
                "Payments an organization recorded that the student has not confirmed yet.",
            ),
            Figure(
                "paid",
                "Payments confirmed",
                f"{count(figures['paid'])} of {count(completed)}",
                "Engagements completed in the period whose payment the student confirmed.",
            ),
        ],
    )


def payment_table(dashboard: Dashboard) -> Table:
    return Table(
        "payments-by-organization",
        "Engagements completed in the period by organization, the most unpaid first",
        ["Organization", "Completed", "Paid within 14 days", "Unpaid after 30 days"],
        [
            [
                row["name"],
                count(row["completed"]),
                count(row["paid_in_time"]),
                count(row["unpaid_after_30"]),
            ]
            for row in dashboard.payment_organizations
        ],
        empty="No engagements completed in this period.",
    )


def track_record_table(dashboard: Dashboard) -> Table:
    def days(record) -> str:
        return record.median_days_text or NO_DATA

    def share_of(part: int, whole: int) -> str:
        return percent(share(part, whole))

    return Table(
        "track-records",
        "Organizations' track records as students see them (all time, as last computed; "
        "shown to students from 5 decisions or 3 finished projects)",
        [
            "Organization",
            "Applicants past the deadline",
            "Got a decision",
            "Median days to a decision",
            "Finished projects",
            "Paid within 14 days",
            "Shown to students",
        ],
        [
            [
                record.organization.name,
                count(record.applications),
                share_of(record.decided, record.applications),
                days(record),
                count(record.completed),
                share_of(record.paid_within_14_days, record.completed),
                "yes" if record.shows_anything else "not yet",
            ]
            for record in dashboard.track_records
        ],
        empty="No track record computed yet.",
    )
