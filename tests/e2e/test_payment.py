"""Getting paid: after completion the employer records the payment, the student confirms it,
and the career center's dashboard counts it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import TrackRecord
from tests.e2e.helpers import check_admin_page, check_page, sign_in
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EmployerFactory,
    ListingFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e

TITLE = "Map the food bank's delivery routes"


@pytest.fixture
def completed(transactional_db):
    """Work the organization confirmed today, not paid yet; its employer, student and staff."""
    organization = OrganizationFactory(
        verified=True, name="Harbour Food Bank", email_domain="harbour.test"
    )
    listing = ListingFactory(
        published=True, organization=organization, title=TITLE, fee=360, currency="EUR"
    )
    student = StudentFactory(email="noor.h@student.test", first_name="Noor", last_name="Haddad")
    application = ApplicationFactory(
        listing=listing, student=student, status="completed", completed_at=timezone.now()
    )
    employer = EmployerFactory(
        email="sam@harbour.test",
        first_name="Sam",
        last_name="Okoye",
        membership__organization=organization,
    )
    staff = StaffFactory(email="jo@career.test", first_name="Jo", last_name="Lindqvist")
    return {"application": application, "student": student, "employer": employer, "staff": staff}


def test_employer_records_the_payment_student_confirms_and_the_dashboard_counts_it(
    new_context, completed
):
    # --- The employer's home page says a payment is waiting; they record it.
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, completed["employer"].email, PASSWORD)
    todo = employer.get_by_role("region", name="What needs you")
    todo.get_by_role(
        "link", name=re.compile("completed engagement waits for you to record the payment")
    ).click()
    check_admin_page(employer)
    employer.get_by_role("link", name="Noor Haddad").click()
    check_admin_page(employer)
    employer.get_by_role("region", name="Your decision").get_by_role(
        "button", name="Record the payment…"
    ).click()
    expect(employer.get_by_role("heading", name="Record the payment")).to_be_visible()
    employer.get_by_label("Paid on").fill(timezone.localdate().isoformat())
    employer.get_by_label("Amount paid").fill("360")
    employer.get_by_label("Reference").fill("HFB-0412")
    check_admin_page(employer)
    employer.get_by_role("button", name="Record the payment").click()
    expect(employer.locator(".messagelist")).to_contain_text(
        "Payment recorded for Noor Haddad; the student is asked to confirm it arrived."
    )
    check_admin_page(employer)

    # --- The student sees it on the application and confirms it.
    student = new_context("student").new_page()
    student.goto("/")
    sign_in(student, completed["student"].email, PASSWORD)
    student.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My applications"
    ).click()
    student.get_by_role("link", name=TITLE).click()
    payment = student.get_by_role("region", name="Payment")
    expect(payment).to_contain_text("Harbour Food Bank says it paid you")
    expect(payment).to_contain_text("360 EUR paid on")
    expect(payment).to_contain_text("(reference HFB-0412)")
    check_page(student)
    payment.get_by_role("button", name="Yes, I received the payment").click()
    expect(student.get_by_role("status")).to_contain_text("the payment is confirmed")
    expect(student.get_by_role("region", name="Payment")).to_contain_text(
        "You confirmed the payment"
    )
    expect(student.get_by_role("region", name="History")).to_contain_text(
        "Payment confirmed by the student"
    )
    check_page(student)

    # --- The employer hears of it; nothing waits any more.
    employer.goto("/employer/")
    expect(employer.get_by_role("region", name="What needs you")).not_to_contain_text(
        "record the payment"
    )

    # --- The career center's dashboard counts it.
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, completed["staff"].email, PASSWORD)
    staff.get_by_role("link", name="Program dashboard").click()
    paid = staff.locator("#figure-payments-paid_in_time .reports-figure-value")
    expect(paid).to_have_text("1 (100%)")
    organizations = staff.locator("#payments-by-organization")
    expect(organizations.get_by_role("row", name=re.compile("Harbour Food Bank"))).to_contain_text(
        "1"
    )
    check_admin_page(staff)


def test_a_visitor_reads_an_organizations_track_record_on_its_listings_and_page(page, completed):
    organization = completed["application"].listing.organization
    TrackRecord.objects.create(
        organization=organization,
        applications=20,
        decided=18,
        decisions=18,
        median_decision_days=3.2,
        completed=4,
        paid_within_14_days=4,
    )
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Browse", re.I)
    ).first.click()
    card = page.get_by_role("article", name=TITLE)
    expect(card).to_contain_text(
        "Answered 90% of applicants, in 3 days (median); "
        "paid 100% of finished projects within 14 days"
    )
    check_page(page)
    card.get_by_role("link", name=TITLE).click()
    expect(
        page.get_by_role("heading", name="How Harbour Food Bank treats applicants")
    ).to_be_visible()
    check_page(page)
    page.get_by_role("link", name=re.compile("More about Harbour Food Bank")).click()
    record = page.get_by_role("region", name="How Harbour Food Bank treats applicants")
    expect(record).to_contain_text("90% of its applicants got a decision")
    expect(record).to_contain_text("MicroIntern counts these")
    check_page(page)
