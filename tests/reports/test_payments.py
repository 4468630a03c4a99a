"""The dashboard's payment figures: paid within 14 days, unpaid after 30, by organization."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.models import TrackRecord
from applications.models import Application, PaymentStatus
from reports.queries import Period, build_dashboard
from tests.factories import ApplicationFactory, ListingFactory, OrganizationFactory
from tests.test_templates import Page

pytestmark = pytest.mark.django_db
P = PaymentStatus
TODAY = datetime(2026, 6, 30, 12, tzinfo=UTC)
DASHBOARD = "/staff/reports/"


def engagement(organization, completed_days_ago, payment_status=P.UNPAID, paid_after=None):
    completed_at = TODAY - timedelta(days=completed_days_ago)
    return ApplicationFactory(
        listing=ListingFactory(published=True, organization=organization),
        status=Application.Status.COMPLETED,
        completed_at=completed_at,
        payment_status=payment_status,
        paid_on=completed_at.date() + timedelta(days=paid_after)
        if paid_after is not None
        else None,
        payment_amount=Decimal("100") if paid_after is not None else None,
    )


@pytest.fixture
def seeded():
    acme = OrganizationFactory(verified=True, name="Acme Pay")
    globex = OrganizationFactory(verified=True, name="Globex Pay")
    engagement(acme, 40, P.PAID, paid_after=5)  # paid in time
    engagement(acme, 35, P.PAID, paid_after=20)  # paid, late
    engagement(acme, 45)  # unpaid after 30 days
    engagement(acme, 10, P.RECORDED, paid_after=2)  # waiting for the student
    engagement(
        globex, 50, P.PAYMENT_MISSING if False else P.MISSING, paid_after=3
    )  # unpaid after 30
    engagement(globex, 31)  # unpaid after 30 days
    engagement(globex, 120)  # completed before the period: not counted
    TrackRecord.objects.create(
        organization=acme, applications=10, decided=8, decisions=8, median_decision_days=2.4
    )
    return acme, globex


def test_known_engagements_give_known_payment_figures(seeded):
    with time_machine.travel(TODAY, tick=False):
        dashboard = build_dashboard(Period.last_days(90))

    assert dashboard.payments == {
        "completed": 6,
        "paid": 2,
        "paid_in_time": 1,
        "awaiting_confirmation": 1,
        "unpaid_after_30": 3,
    }
    rows = [
        (row["name"], row["completed"], row["paid_in_time"], row["unpaid_after_30"])
        for row in dashboard.payment_organizations
    ]
    assert rows == [("Globex Pay", 2, 0, 2), ("Acme Pay", 4, 1, 1)]


def test_the_dashboard_shows_them_with_the_track_records(login, staff, seeded):
    client = login(staff)
    with time_machine.travel(TODAY, tick=False):
        page = Page(client.get(DASHBOARD, {"period": "90"}).content.decode())

    box = page.find(id="figure-payments-paid_in_time")
    assert page.find("dd", within=box, class_="reports-figure-value").clean_text == "1 (16.7%)"
    box = page.find(id="figure-payments-unpaid_after_30")
    assert page.find("dd", within=box, class_="reports-figure-value").clean_text == "3"
    assert table_rows(page, "payments-by-organization") == [
        ["Globex Pay", "2", "0", "2"],
        ["Acme Pay", "4", "1", "1"],
    ]
    assert table_rows(page, "track-records") == [
        ["Acme Pay", "10", "80%", "2 days", "0", "—", "yes"]
    ]


def table_rows(page, table_id):
    table = page.find(id=table_id)
    body = page.find("tbody", within=table)
    return [
        [cell.clean_text for cell in page.find_all(within=row) if cell.tag in {"th", "td"}]
        for row in page.find_all("tr", within=body)
    ]
