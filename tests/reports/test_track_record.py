"""Organizations' track records: seeded lifecycles with known decision times and payments."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from accounts.models import TrackRecord
from applications.models import Application, PaymentStatus
from listings.models import Listing
from reports.tasks import refresh_track_records
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    ListingFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db
S = Application.Status

# Applications arrive on 2 March 2026 at noon; the listing's applications close on 9 March.
ARRIVED = datetime(2026, 3, 2, 12, tzinfo=UTC)
NOW = datetime(2026, 4, 20, 12, tzinfo=UTC)


def seed_decisions(organization, employer, delays_in_days, *, undecided=0, by_system=0):
    """Applications decided `delays_in_days` after arriving, by a member of the organization."""
    listing = ListingFactory(
        published=True,
        organization=organization,
        openings=10,
        application_deadline=date(2026, 3, 9),
        due_date=date(2026, 3, 30),
    )
    with time_machine.travel(ARRIVED, tick=False):
        applications = ApplicationFactory.create_batch(
            len(delays_in_days) + undecided + by_system, listing=listing
        )
    for application, delay in zip(applications, delays_in_days, strict=False):
        with time_machine.travel(ARRIVED + timedelta(days=delay), tick=False):
            if delay == delays_in_days[0]:
                application.offer(by=employer)  # an offer counts as a decision too
            else:
                application.not_select(by=employer)
    for application in applications[len(delays_in_days) + undecided :]:
        with time_machine.travel(ARRIVED + timedelta(days=1), tick=False):
            application.not_select(by=None, message="All openings are filled.")
    return listing


def seed_payments(organization, employer, paid_after_days):
    """Projects completed on 1 April; each paid that many days later and confirmed (None: never)."""
    listing = ListingFactory(published=True, organization=organization, currency="EUR")
    completed_at = datetime(2026, 4, 1, 15, tzinfo=UTC)
    for days in paid_after_days:
        application = ApplicationFactory(
            listing=listing, status=S.COMPLETED, completed_at=completed_at
        )
        if days is None:
            continue
        paid_on = completed_at.date() + timedelta(days=days)
        with time_machine.travel(max(completed_at + timedelta(days=days), completed_at)):
            application.record_payment(by=employer, paid_on=paid_on, amount=Decimal("300"))
            application.confirm_payment(by=application.student)
    return listing


@pytest.fixture
def acme():
    organization = OrganizationFactory(verified=True, name="Acme Track")
    employer = EmployerFactory(membership__organization=organization)
    return organization, employer


def refresh():
    with time_machine.travel(NOW, tick=False):
        return refresh_track_records()


def test_known_decision_times_and_payments_give_known_figures(acme):
    organization, employer = acme
    # Six decisions after 1, 2, 3, 4, 5 and 9 days (median 3.5), two never decided, and one
    # closed by MicroIntern when the openings filled, which is no answer from Acme.
    seed_decisions(organization, employer, [1, 2, 3, 4, 5, 9], undecided=2, by_system=1)
    # Four finished projects: paid after 3, 14 and 20 days, one never.
    seed_payments(organization, employer, [3, 14, 20, None])

    assert refresh() == 1

    record = TrackRecord.objects.get(organization=organization)
    assert (record.applications, record.decided, record.decisions) == (9, 6, 6)
    assert record.median_decision_days == pytest.approx(3.5)
    assert record.median_days_text == "4 days"
    assert record.decided_percent == 67
    assert (record.completed, record.paid_within_14_days) == (4, 2)
    assert record.paid_percent == 50
    assert organization.shown_track_record == record


def test_the_figures_are_stored_again_not_added_up(acme):
    organization, employer = acme
    seed_decisions(organization, employer, [1, 1, 1, 1, 1])
    refresh()
    refresh()
    assert TrackRecord.objects.get().decisions == 5
    Listing.objects.filter(organization=organization).update(organization=OrganizationFactory())
    refresh()
    assert not TrackRecord.objects.filter(organization=organization).exists()


def test_too_few_events_show_nothing(acme, client):
    organization, employer = acme
    seed_decisions(organization, employer, [1, 2, 3, 4])  # 4 decisions: not enough
    seed_payments(organization, employer, [1, 2])  # 2 finished projects: not enough
    listing = ListingFactory(published=True, organization=organization)
    refresh()

    assert TrackRecord.objects.get().decisions == 4
    assert organization.shown_track_record is None
    page = client.get(reverse("listings:organization", args=[organization.slug]))
    assert b"treats applicants" not in page.content
    listing_page = client.get(reverse("listings:detail", args=[listing.slug]))
    assert b"treats applicants" not in listing_page.content
    assert b"of applicants" not in listing_page.content


def test_payments_alone_are_shown_once_enough_projects_are_finished(acme):
    organization, employer = acme
    seed_payments(organization, employer, [1, 2, 30])
    refresh()
    record = organization.shown_track_record
    assert record is not None
    assert (record.shows_decisions, record.shows_payments) == (False, True)
    assert record.paid_percent == 67


def test_students_see_the_figures_with_one_sentence_on_the_organization_and_listing_pages(
    acme, client
):
    organization, employer = acme
    seed_decisions(organization, employer, [1, 2, 3, 4, 5, 9], undecided=2)
    open_listing = ListingFactory(published=True, organization=organization)
    refresh()

    for url in [
        reverse("listings:organization", args=[organization.slug]),
        open_listing.get_absolute_url(),
    ]:
        text = " ".join(client.get(url).content.decode().split())
        assert "How Acme Track treats applicants" in text
        assert "<strong>75%</strong> of its applicants got a decision" in text
        assert "Decisions came <strong>4 days</strong> after applying (median)" in text
        assert "MicroIntern counts these from what happened to applications here" in text
        assert "finished projects were paid" not in text  # no projects finished yet

    listing_cards = " ".join(client.get(reverse("listings:list")).content.decode().split())
    assert "Answered 75% of applicants, in 4 days (median)" in listing_cards


def _list_queries(client, count, django_assert_max_num_queries):
    Listing.objects.all().delete()
    for _ in range(count):
        organization = OrganizationFactory(verified=True)
        TrackRecord.objects.create(
            organization=organization, applications=10, decided=9, decisions=9
        )
        ListingFactory(published=True, organization=organization)
    with django_assert_max_num_queries(50) as queries:
        page = client.get(reverse("listings:list"))
    assert page.content.decode().count("Answered 90% of applicants") == count
    return len(queries)


def test_the_list_page_reads_the_track_records_with_no_query_per_listing(
    client, django_assert_max_num_queries
):
    assert _list_queries(client, 2, django_assert_max_num_queries) == _list_queries(
        client, 12, django_assert_max_num_queries
    )


def test_the_task_runs_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.refresh_track_records" in tasks


def test_a_payment_confirmed_late_or_never_confirmed_is_not_paid_in_time(acme):
    organization, employer = acme
    listing = seed_payments(organization, employer, [1, 2, 3])
    # Recorded but never confirmed by the student: not counted as paid.
    late = ApplicationFactory(
        listing=listing, status=S.COMPLETED, completed_at=datetime(2026, 4, 1, tzinfo=UTC)
    )
    Application.objects.filter(pk=late.pk).update(
        payment_status=PaymentStatus.RECORDED, paid_on=date(2026, 4, 2)
    )
    refresh()
    record = TrackRecord.objects.get()
    assert (record.completed, record.paid_within_14_days) == (4, 3)
