"""Every dashboard figure against the hand-built program of conftest.py (known answers)."""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import DurationField

from listings.models import Listing
from reports.queries import Median, Percentile, Period, build_dashboard
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = NOW.date()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def last_30_days(industry=None) -> Period:
    return Period.last_days(30, industry=industry, today=TODAY)


# --- The period ---------------------------------------------------------------------------


def test_last_30_days_run_from_29_days_ago_to_today_included():
    period = last_30_days()
    assert period.date_from == datetime.date(2026, 2, 19)
    assert period.date_to == datetime.date(2026, 3, 20)
    assert period.start == datetime.datetime(2026, 2, 19, tzinfo=datetime.UTC)
    assert period.end == datetime.datetime(2026, 3, 21, tzinfo=datetime.UTC)
    assert period.days == 30


def test_weeks_are_the_mondays_the_period_touches():
    assert last_30_days().weeks() == [
        datetime.date(2026, 2, 16),
        datetime.date(2026, 2, 23),
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 16),
    ]


def test_a_period_survives_the_round_trip_through_an_exports_filters(program):
    period = last_30_days(program.software)
    again = Period.from_filters(period.as_filters())
    assert (again.date_from, again.date_to, again.industry) == (
        period.date_from,
        period.date_to,
        program.software,
    )


def test_percentile_interpolates_like_postgresql(program):
    fees = Listing.objects.filter(pk__in=[program.listings[k].pk for k in ("L1", "L5", "L7")])
    # 400, 600, 900: the median is the middle one; the 90th percentile lies 80 % from 600 to 900.
    result = fees.aggregate(median=Median("fee"), p90=Percentile("fee", 0.9))
    assert result == {"median": 600.0, "p90": pytest.approx(840.0)}


def test_percentile_refuses_a_fraction_outside_zero_to_one():
    with pytest.raises(ValueError):
        Percentile("fee", 1.5)


def test_percentile_of_nothing_is_none(db):
    result = Listing.objects.none().aggregate(
        median=Percentile("created_at", 0.5, output_field=DurationField())
    )
    assert result["median"] is None


# --- Listings -------------------------------------------------------------------------------


def test_listing_figures(program):
    listings = build_dashboard(last_30_days()).listings
    assert listings["published"] == 4  # L1, L2, L7, L9
    assert listings["submitted"] == 5  # L1, L2 (twice, counted once), L3, L4, L6
    assert listings["rejected"] == 1
    assert listings["changes_requested"] == 1
    assert listings["decisions"] == 4  # 4 h, 24 h, 24 h, 48 h
    assert listings["decision_median"] == hours(24)
    assert listings["decision_p90"] == hours(40.8)
    assert listings["waiting"] == 2
    assert listings["oldest_wait"] == timedelta(days=3)


def test_time_to_decision_counts_from_the_latest_submission_before_it(program):
    # L2 waited 24 h before changes were requested and 24 h after resubmitting,
    # not the 48 h since its first submission.
    period = Period(datetime.date(2026, 3, 15), datetime.date(2026, 3, 15))
    listings = build_dashboard(period).listings
    assert listings["decisions"] == 1
    assert listings["decision_median"] == hours(24)


# --- Applications --------------------------------------------------------------------------


def test_application_figures(program):
    applications = build_dashboard(last_30_days()).applications
    assert applications["applications"] == 7
    assert applications["per_listing_median"] == 1.5  # L1 2, L2 2, L7 1, L9 1
    assert applications["offers"] == 4
    assert applications["acceptances"] == 3
    assert applications["completions"] == 2
    assert applications["completion_rate"] == pytest.approx(2 / 3)
    assert applications["decided"] == 5  # 24, 36, 42, 48, 72 hours
    assert applications["decision_median"] == hours(42)
    assert applications["decision_p90"] == hours(62.4)
    assert applications["undecided_after_end"] == 1  # A6: L8's project is over
    assert applications["no_decision_share"] == pytest.approx(1 / 7)
    assert applications["applicants"] == 4


def test_offers_count_applications_that_reached_an_offer_without_its_date(program):
    # An application moved along without offered_at still passed through an offer.
    program.applications["A5"].__class__.objects.filter(pk=program.applications["A5"].pk).update(
        offered_at=None
    )
    assert build_dashboard(last_30_days()).applications["offers"] == 4


def test_no_decision_share_is_zero_when_every_finished_project_decided(program):
    program.applications["A6"].__class__.objects.filter(pk=program.applications["A6"].pk).update(
        status="not_selected", decided_at=NOW
    )
    assert build_dashboard(last_30_days()).applications["no_decision_share"] == 0


def test_funnel_goes_from_applications_to_completions(program):
    assert build_dashboard(last_30_days()).funnel == [
        ("Applications", 7),
        ("Offers", 4),
        ("Acceptances", 3),
        ("Completions", 2),
    ]


# --- Outcomes -------------------------------------------------------------------------------


def test_outcome_figures(program):
    dashboard = build_dashboard(last_30_days())
    outcomes = dashboard.outcomes
    assert outcomes["completed"] == 3  # A1, A4, A8; A7 completed before the period
    assert outcomes["both_sides"] == 2
    assert outcomes["coverage"] == pytest.approx(2 / 3)
    assert outcomes["employer_rating"] == pytest.approx(4.0)
    assert outcomes["employer_ratings"] == 3
    assert outcomes["student_rating"] == pytest.approx(3.0)
    assert outcomes["student_ratings"] == 2
    assert outcomes["students_completed"] == 2


def test_fees_and_hourly_rates_are_per_currency(program):
    pay = build_dashboard(last_30_days()).pay
    assert pay == [
        {"currency": "USD", "engagements": 2, "fees": Decimal("1500.00"), "median_rate": 37.5},
        {"currency": "EUR", "engagements": 1, "fees": Decimal("400.00"), "median_rate": 40.0},
    ]


# --- Organizations and students ---------------------------------------------------------------


def test_organization_figures(program):
    dashboard = build_dashboard(last_30_days())
    assert dashboard.organizations == {"new": 2, "verified": 1, "suspended": 1}
    assert [(row["name"], row["completed"]) for row in dashboard.top_organizations] == [
        ("Acme", 2),
        ("Hope", 1),
    ]


def test_student_figures(program):
    dashboard = build_dashboard(last_30_days())
    assert dashboard.applications["applicants"] == 4
    assert dashboard.outcomes["students_completed"] == 2


# --- Charts' data ---------------------------------------------------------------------------------


def test_weekly_activity(program):
    weekly = build_dashboard(last_30_days()).weekly
    assert [(row["week"].isoformat(), row["listings"], row["applications"]) for row in weekly] == [
        ("2026-02-16", 0, 0),
        ("2026-02-23", 2, 1),
        ("2026-03-02", 0, 2),
        ("2026-03-09", 2, 2),
        ("2026-03-16", 0, 2),
    ]


def test_by_industry_largest_first(program):
    assert build_dashboard(last_30_days()).industries == [
        {"industry": "Software", "listings": 2, "applications": 4},
        {"industry": "Non-profit", "listings": 2, "applications": 3},
    ]


# --- Filters ----------------------------------------------------------------------------------------


def test_the_industry_filter_narrows_every_figure(program):
    dashboard = build_dashboard(last_30_days(program.software))
    listings, applications, outcomes = (
        dashboard.listings,
        dashboard.applications,
        dashboard.outcomes,
    )
    assert (listings["published"], listings["submitted"]) == (2, 2)
    assert (listings["rejected"], listings["changes_requested"]) == (0, 1)
    assert listings["decision_median"] == hours(24)
    assert (listings["waiting"], listings["oldest_wait"]) == (0, None)
    assert applications["applications"] == 4
    assert (applications["offers"], applications["acceptances"]) == (2, 2)
    assert applications["completion_rate"] == 0.5
    assert applications["per_listing_median"] == 2
    assert applications["undecided_after_end"] == 0
    assert applications["applicants"] == 3
    assert outcomes["completed"] == 2
    assert outcomes["coverage"] == 1
    assert outcomes["employer_rating"] == pytest.approx(4.5)
    assert dashboard.pay == [
        {"currency": "USD", "engagements": 2, "fees": Decimal("1500.00"), "median_rate": 37.5}
    ]
    # Organizations with a software listing: only Acme, registered and verified long ago.
    assert dashboard.organizations == {"new": 0, "verified": 0, "suspended": 0}
    assert [row["name"] for row in dashboard.top_organizations] == ["Acme"]
    assert [row["industry"] for row in dashboard.industries] == ["Software"]


def test_the_last_7_days(program):
    dashboard = build_dashboard(Period.last_days(7, today=TODAY))
    assert dashboard.listings["published"] == 1  # L2 on 15 March
    assert dashboard.listings["submitted"] == 4  # L2 again, L3, L4, L6
    assert dashboard.listings["changes_requested"] == 0  # on 13 March
    assert dashboard.listings["decision_median"] == hours(36)  # 24 h and 48 h
    assert dashboard.applications["applications"] == 2  # A3, A9
    assert dashboard.outcomes["completed"] == 3
    assert dashboard.organizations == {"new": 1, "verified": 0, "suspended": 1}


def test_custom_dates_include_both_ends(program):
    period = Period(datetime.date(2026, 3, 9), datetime.date(2026, 3, 15))
    dashboard = build_dashboard(period)
    assert dashboard.listings["published"] == 2  # L1 on the 10th, L2 on the 15th at 09:00
    assert dashboard.applications["applications"] == 2  # A1, A2
    assert dashboard.outcomes["completed"] == 0
    assert [row["week"] for row in dashboard.weekly] == [datetime.date(2026, 3, 9)]


def test_an_empty_period_has_zeros_and_no_medians(program):
    dashboard = build_dashboard(Period(datetime.date(2020, 1, 1), datetime.date(2020, 1, 31)))
    assert dashboard.listings["published"] == 0
    assert dashboard.listings["decision_median"] is None
    assert dashboard.applications["per_listing_median"] is None
    assert dashboard.applications["completion_rate"] is None
    assert dashboard.outcomes["coverage"] is None
    assert dashboard.pay == []
    assert dashboard.industries == []
    # The queue is "now", whatever the period.
    assert dashboard.listings["waiting"] == 2
