"""Conversations: a student asks a question and the employer answers from the employer site;
a first message that moves the student to Telegram and asks for a deposit warns the student
and shows the career center a signal on the listing."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_admin_page, check_page, sign_in
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    ApplicationFactory,
    EmployerFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

pytestmark = pytest.mark.e2e

QUESTION = "Is the survey data in one spreadsheet, or spread over several files?"
ANSWER = "One spreadsheet with 400 rows; we will share it on your first day."


@pytest.fixture
def people(transactional_db):
    organization = OrganizationFactory(
        verified=True, name="Lakeside Clinic", email_domain="lakeside.test"
    )
    listing = ListingFactory(
        published=True,
        organization=organization,
        title="Patient survey analysis",
        industry=IndustryFactory(name="Health care", slug="health-care"),
    )
    student = StudentFactory(email="lee.park@student.test", first_name="Lee", last_name="Park")
    profile = student.student_profile
    profile.resume.save("resume.pdf", ContentFile(MINIMAL_PDF), save=True)
    employer = EmployerFactory(
        email="rosa@lakeside.test",
        first_name="Rosa",
        last_name="Diaz",
        membership__organization=organization,
    )
    staff = StaffFactory(email="morgan@career.test", first_name="Morgan", last_name="Reyes")
    return {"listing": listing, "student": student, "employer": employer, "staff": staff}


def conversation(page: Page):
    return page.get_by_role("region", name=re.compile("^Conversation with"))


def test_student_asks_and_the_employer_answers_from_the_employer_site(new_context, people, mailbox):
    listing = people["listing"]

    # --- The student applies, then asks a question on the application's page.
    student = new_context("student").new_page()
    student.goto("/")
    sign_in(student, people["student"].email, PASSWORD)
    student.goto(listing.get_absolute_url())
    student.get_by_role("link", name="Apply for this project").click()
    student.get_by_label("Your pitch").fill(
        "I analysed survey data for our student union and would start with your questions."
    )
    student.get_by_label(re.compile("^I can finish the work by")).check()
    student.get_by_role("button", name="Send application").click()
    thread = conversation(student)
    expect(thread).to_contain_text("No messages yet")
    check_page(student)
    thread.get_by_label("Your message").fill(QUESTION)
    thread.get_by_role("button", name="Send the message").click()
    expect(student.get_by_role("status")).to_contain_text("Your message is sent")
    expect(conversation(student).get_by_role("listitem")).to_contain_text([QUESTION])
    check_page(student)

    # --- The employer gets the email and answers in the employer site.
    email = mailbox.wait_for(people["employer"].email, "New message from Lee Park")
    assert QUESTION in email.body
    link = mailbox.link_in(email, r"http://\S+/employer/applications/application/\d+/change/\S*")
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, people["employer"].email, PASSWORD)
    employer.goto(link)
    thread = conversation(employer)
    expect(thread).to_contain_text(QUESTION)
    expect(thread).to_contain_text("Lee Park (student)")
    check_admin_page(employer)
    thread.get_by_label(re.compile("^Your message")).fill(ANSWER)
    thread.get_by_role("button", name="Send the message").click()
    expect(employer.locator(".messagelist")).to_contain_text("Your message is sent")
    expect(conversation(employer).get_by_role("listitem")).to_contain_text([QUESTION, ANSWER])
    check_admin_page(employer)

    # --- The student sees the answer, newest last, and is emailed about it.
    assert ANSWER in mailbox.wait_for(people["student"].email, "New message from Lakeside").body
    student.reload()
    items = conversation(student).get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text(ANSWER)
    expect(items.nth(1)).to_contain_text("Rosa Diaz (Lakeside Clinic)")
    expect(conversation(student)).not_to_contain_text("looks like a scam")
    check_page(student)


def test_a_telegram_handle_and_a_deposit_warn_the_student_and_reach_staff(new_context, people):
    listing = people["listing"]
    application = ApplicationFactory(listing=listing, student=people["student"])

    # --- The employer's first message moves the student to Telegram and asks for a deposit.
    employer = new_context("employer").new_page()
    employer.goto("/")
    sign_in(employer, people["employer"].email, PASSWORD)
    employer.goto(f"/employer/applications/application/{application.pk}/change/")
    thread = conversation(employer)
    thread.get_by_label(re.compile("^Your message")).fill(
        "Welcome! Please add me on Telegram @lakeside_hr. Before you start we need a "
        "50 USD deposit for the software licence."
    )
    thread.get_by_role("button", name="Send the message").click()
    expect(employer.locator(".messagelist")).to_contain_text("Your message is sent")
    expect(conversation(employer)).not_to_contain_text("looks like a scam")

    # --- The student is warned on the thread and reports the message.
    student = new_context("student").new_page()
    student.goto("/")
    sign_in(student, people["student"].email, PASSWORD)
    student.goto(application.get_absolute_url())
    thread = conversation(student)
    warning = thread.get_by_role("alert")
    expect(warning).to_contain_text("Be careful: this looks like a scam")
    expect(warning).to_contain_text("deposit, telegram")
    check_page(student)
    thread.get_by_role("link", name=re.compile("^Report this message")).click()
    check_page(student)
    student.get_by_label(re.compile("What is wrong")).fill("Asks me to pay a deposit.")
    student.get_by_role("button", name="Report the message").click()
    expect(student.get_by_role("status")).to_contain_text("the career center has the message")

    # --- Staff see the signal on the listing, and the reported thread from their home page.
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, people["staff"].email, PASSWORD)
    staff.goto(f"/staff/listings/listing/{listing.pk}/change/")
    expect(staff.get_by_role("main")).to_contain_text(
        "A message to an applicant asks to move off the platform or to pay: deposit, telegram."
    )
    check_admin_page(staff)
    staff.goto("/staff/")
    staff.get_by_role("link", name=re.compile("reported message waits for review")).click()
    check_admin_page(staff)
    staff.get_by_role("link", name=re.compile("^Read the conversation")).click()
    expect(staff.get_by_role("main")).to_contain_text("@lakeside_hr")
    expect(staff.get_by_role("main")).to_contain_text("Asks me to pay a deposit.")
    check_admin_page(staff)


def test_a_student_asks_for_help_at_the_check_in_and_staff_see_it(new_context, people, mailbox):
    listing = people["listing"]
    application = ApplicationFactory(
        listing=listing,
        student=people["student"],
        status="accepted",
        accepted_at=timezone.now() - timedelta(days=(listing.due_date - timezone.localdate()).days),
    )
    with open("/dev/null", "w") as quiet:
        call_command("send_reminders", stdout=quiet)

    # --- The emailed link opens a page where one button answers.
    email = mailbox.wait_for(people["student"].email, "is the work on track")
    link = mailbox.link_in(email, r"http://\S+/conversations/\d+/check-in/")
    student = new_context("student").new_page()
    student.goto("/")
    sign_in(student, people["student"].email, PASSWORD)
    student.goto(link)
    expect(student.get_by_role("heading", level=1)).to_contain_text(listing.title)
    check_page(student)
    student.get_by_role("button", name="Need help").click()
    expect(student.get_by_role("status")).to_contain_text("The career center is told")
    expect(conversation(student)).to_contain_text("you answered: Need help")
    check_page(student)

    # --- Staff are emailed, and the staff home links to the engagement.
    mailbox.wait_for(people["staff"].email, "Help asked")
    staff = new_context("staff").new_page()
    staff.goto("/")
    sign_in(staff, people["staff"].email, PASSWORD)
    staff.get_by_role("link", name=re.compile("engagement needs the career center")).click()
    check_admin_page(staff)
    staff.get_by_role("link", name=re.compile("Lee Park")).click()
    expect(staff).to_have_url(re.compile(f"/staff/applications/application/{application.pk}/"))
