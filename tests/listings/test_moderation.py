"""Moderation that cannot be dodged: re-review after any visible change, approval of the
version staff read, and reports that cannot be turned into a weapon."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization
from listings.admin_forms import EmployerListingForm
from listings.diff import word_diff
from listings.models import Listing, ListingEvent, ListingReport, ListingReportEvent, ReportWeight
from notifications.models import Notification
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    EstablishedStudentFactory,
    ListingFactory,
    MembershipFactory,
    OrganizationFactory,
    SkillFactory,
    StaffFactory,
    StudentFactory,
)
from tests.listings.test_admin_employer import edit_data

pytestmark = pytest.mark.django_db

S = Listing.Status
STAFF_QUEUE = reverse("admin:listings_listing_changelist") + "?status=submitted"
REPORTS = reverse("admin:listings_listingreport_changelist")
SCAM = {
    "title": "URGENT: pay a $50 registration fee to apply",
    "summary": "Send the fee by wire transfer, then we talk on Telegram.",
    "eligibility": "Anyone who pays the registration fee first.",
    "contact_email": "pay-now@scam.example",
}


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def employer_change_url(listing):
    return reverse("employer:listings_listing_change", args=[listing.pk])


def staff_step_url(listing, step="approve"):
    return reverse("admin:listings_listing_step", args=[listing.pk, step])


def approved(organization=None, **kwargs):
    """A listing published the real way: submitted, then approved by staff."""
    listing = ListingFactory(
        organization=organization or OrganizationFactory(verified=True), **kwargs
    )
    listing.submit(by=None)
    listing.approve(by=StaffFactory())
    listing.refresh_from_db()
    return listing


def is_public(listing) -> bool:
    return Listing.objects.published().filter(pk=listing.pk).exists()


# --- Every field a student sees is material -----------------------------------------------


def test_every_field_the_employer_writes_is_material():
    written = set(EmployerListingForm.Meta.fields) - {"organization"}
    assert written <= set(Listing.MATERIAL_FIELDS)


@pytest.mark.parametrize("field", ["title", "summary", "eligibility", "contact_email", "skills"])
def test_approve_then_swap_goes_back_to_review(field, employer):
    listing = approved(skills=[SkillFactory(name="Excel")])
    revision = listing.revision
    before = listing.snapshot()
    if field == "skills":
        listing.skills.set([SkillFactory(name="Wire transfers")])
    else:
        setattr(listing, field, SCAM[field])
        listing.save()

    changed = listing.record_edit(by=employer, before=before)

    listing.refresh_from_db()
    assert changed == [field]
    assert listing.status == S.SUBMITTED
    assert not is_public(listing)
    assert listing.revision == revision + 1
    event = listing.events.first()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        employer,
        S.PUBLISHED,
        S.SUBMITTED,
        "material_edit",
    )
    assert listing._label(field).lower() in event.note


def test_a_swap_runs_the_risk_rules_again(employer):
    listing = approved()
    assert listing.risk_score == 0
    before = listing.snapshot()
    listing.title = SCAM["title"]
    listing.save()
    listing.record_edit(by=employer, before=before)
    listing.refresh_from_db()
    assert "asks_for_money" in [signal["code"] for signal in listing.risk_signals]
    assert listing.risk_score >= 50


def test_a_no_op_save_keeps_the_listing_published(employer):
    listing = approved(description="Line one\nLine two", eligibility="Second-year students")
    before = listing.snapshot()
    listing.description = "Line one  \r\nLine two\r\n"
    listing.eligibility = "Second-year students   "
    listing.save()
    assert listing.record_edit(by=employer, before=before) == []
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert listing.events.count() == 2  # submitted, approved


@pytest.mark.parametrize("field", ["title", "summary", "eligibility", "contact_email", "skills"])
def test_approve_then_swap_through_the_employer_site(field, login, employer, organization):
    listing = approved(organization, skills=[SkillFactory(name="Excel")])
    if field == "skills":
        change = {"skills": [str(SkillFactory(name="Wire transfers").pk)]}
    else:
        change = {field: SCAM[field]}

    response = login(employer).post(employer_change_url(listing), edit_data(listing, **change))

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    assert not is_public(listing)
    assert listing.events.first().reason == "material_edit"
    assert any("is waiting for review" in m for m in messages_of(response))


def test_resaving_unchanged_through_the_employer_site_keeps_it_published(
    login, employer, organization
):
    listing = approved(organization, skills=[SkillFactory(name="Excel")])
    events = listing.events.count()
    response = login(employer).post(employer_change_url(listing), edit_data(listing))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert listing.events.count() == events


def test_the_employer_is_told_in_plain_words_that_it_waits_for_review(
    login, employer, organization
):
    listing = approved(organization)
    client = login(employer)
    client.post(employer_change_url(listing), edit_data(listing, title="A better title"))
    page = client.get(employer_change_url(listing)).content.decode()
    assert "Waiting for review" in page
    assert "Students cannot see it until it is approved" in page


def test_an_edit_while_waiting_for_review_is_recorded(employer):
    listing = ListingFactory(submitted=True)
    before = listing.snapshot()
    listing.description = "WIRE MONEY to apply, then message us on Telegram."
    listing.save()
    listing.record_edit(by=employer, before=before)
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    assert listing.revision == 2
    assert listing.risk_score >= 50
    event = listing.events.first()
    assert (event.reason, event.actor) == ("edited_in_review", employer)
    assert "description" in event.note


def test_an_employer_save_does_not_overwrite_what_staff_decided(login, employer, organization):
    """The employer filled in the form while it waited for review; staff approved it first."""
    listing = ListingFactory(organization=organization, submitted=True)
    client = login(employer)
    stale = edit_data(listing, summary="A clearer summary.")
    listing.approve(by=StaffFactory())
    client.post(employer_change_url(listing), stale)
    listing.refresh_from_db()
    # Published by staff, then edited: back to review, the approved version kept.
    assert listing.status == S.SUBMITTED
    assert listing.approved_snapshot["summary"] == "Help us ship a small, well-defined project."


# --- Approval carries the version staff reviewed --------------------------------------------


def test_approving_a_stale_version_is_refused(staff, employer):
    listing = ListingFactory(submitted=True)
    seen = listing.revision
    before = listing.snapshot()
    listing.description = "WIRE MONEY to apply."
    listing.save()
    listing.record_edit(by=employer, before=before)

    with pytest.raises(ValidationError, match="changed after you opened it"):
        listing.approve(by=staff, revision=seen)
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED

    listing.approve(by=staff, revision=listing.revision)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert listing.approved_snapshot["description"] == "WIRE MONEY to apply."


def test_the_approve_page_refuses_a_listing_changed_since_it_was_opened(
    login, staff, employer, organization
):
    listing = ListingFactory(organization=organization, submitted=True, title="Clean project")
    client = login(staff)
    change_page = client.get(reverse("admin:listings_listing_change", args=[listing.pk]))
    link = f"{staff_step_url(listing)}?revision={listing.revision}"
    assert link in change_page.content.decode()
    confirm = client.get(link).content.decode()
    assert f'name="revision-{listing.pk}" value="{listing.revision}"' in confirm

    # The employer edits the description while staff read the confirmation page.
    login(employer).post(
        employer_change_url(listing), edit_data(listing, description="WIRE MONEY to apply.")
    )
    client = login(staff)
    response = client.post(
        staff_step_url(listing), {"apply": "1", "note": "", f"revision-{listing.pk}": "1"}
    )

    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    assert any(
        "changed after you opened it; review the new version" in m for m in messages_of(response)
    )

    # Opened again, the page shows the new version and its approval goes through.
    page = client.get(f"{staff_step_url(listing)}?revision={listing.revision}")
    assert f'value="{listing.revision}"' in page.content.decode()
    client.post(
        staff_step_url(listing),
        {"apply": "1", "note": "", f"revision-{listing.pk}": str(listing.revision)},
    )
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_the_approve_page_opened_on_an_older_version_says_so(login, staff, employer):
    listing = ListingFactory(submitted=True)
    before = listing.snapshot()
    listing.title = "Something else"
    listing.save()
    listing.record_edit(by=employer, before=before)
    page = login(staff).get(f"{staff_step_url(listing)}?revision=1").content.decode()
    assert "changed after you opened it" in page
    assert f'name="revision-{listing.pk}" value="1"' in page


def test_approving_without_a_version_is_refused(login, staff):
    listing = ListingFactory(submitted=True)
    response = login(staff).post(staff_step_url(listing), {"apply": "1", "note": ""})
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    assert any("which version you reviewed" in m for m in messages_of(response))


def test_bulk_approve_skips_and_reports_the_rows_changed_since(login, staff, employer):
    calm = ListingFactory(submitted=True, title="Calm project")
    swapped = ListingFactory(submitted=True, title="Swapped project")
    client = login(staff)
    selected = {"action": "approve", "_selected_action": [calm.pk, swapped.pk], "index": "0"}
    confirm = client.post(STAFF_QUEUE, selected).content.decode()
    shown = {listing.pk: listing.revision for listing in (calm, swapped)}
    for pk, revision in shown.items():
        assert f'name="revision-{pk}" value="{revision}"' in confirm

    before = swapped.snapshot()
    swapped.description = "WIRE MONEY to apply."
    swapped.save()
    swapped.record_edit(by=employer, before=before)

    posted = {f"revision-{pk}": str(revision) for pk, revision in shown.items()}
    response = client.post(STAFF_QUEUE, {**selected, "apply": "1", "note": "", **posted})

    calm.refresh_from_db()
    swapped.refresh_from_db()
    assert (calm.status, swapped.status) == (S.PUBLISHED, S.SUBMITTED)
    messages = messages_of(response)
    assert "1 listing approved and published." in messages
    assert any("Swapped project" in m and "changed after you opened it" in m for m in messages)


def test_staff_see_a_word_level_diff(login, staff, employer):
    listing = approved(summary="Help us tidy the donor list.")
    before = listing.snapshot()
    listing.summary = "Help us <b>wire</b> the donor money."
    listing.save()
    listing.record_edit(by=employer, before=before)
    page = login(staff).get(reverse("admin:listings_listing_change", args=[listing.pk]))
    content = page.content.decode()
    assert '<del><span class="visually-hidden">removed: </span>tidy</del>' in content
    assert "&lt;b&gt;wire&lt;/b&gt;" in content
    assert "<b>wire</b>" not in content
    # The approve page shows the same changes.
    confirm = login(staff).get(f"{staff_step_url(listing)}?revision={listing.revision}")
    assert "&lt;b&gt;wire&lt;/b&gt;" in confirm.content.decode()


def test_word_diff_marks_changes_in_words_and_escapes():
    html = word_diff("Pay <i>nothing</i> today", "Pay a fee <i>today</i>")
    assert "<i>" not in html
    assert "removed: " in html and "added: " in html
    assert word_diff("same words", "same words") == "same words"


# --- Reports that cannot be turned into a weapon ----------------------------------------------


def report(listing, reporter, reason="scam"):
    return ListingReport.file(listing=listing, reporter=reporter, reason=reason)


def test_competitors_and_pending_organizations_and_fresh_accounts_cannot_suspend():
    listing = ListingFactory(published=True)
    competitor_employers = EmployerFactory.create_batch(3)
    pending_owner = MembershipFactory(
        organization=OrganizationFactory(verification=Organization.Verification.PENDING)
    ).user
    asking_to_join = MembershipFactory(status=Membership.Status.REQUESTED).user
    fresh_students = StudentFactory.create_batch(3, verified_email=False)
    # A student account that is also an organization's member counts as a member.
    student_and_member = EstablishedStudentFactory()
    MembershipFactory(user=student_and_member)

    for reporter in [*competitor_employers, pending_owner, asking_to_join, student_and_member]:
        assert report(listing, reporter).weight == 0
    for reporter in fresh_students:
        assert report(listing, reporter).weight == ReportWeight.STUDENT

    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert ListingReport.objects.filter(listing=listing).count() == 9


def test_staff_reports_do_not_count(staff):
    listing = ListingFactory(published=True)
    assert report(listing, staff).weight == 0
    assert report(listing, StaffFactory()).weight == 0


def test_three_fresh_confirmed_students_do_not_suspend():
    listing = ListingFactory(published=True)
    for reporter in StudentFactory.create_batch(3):
        report(listing, reporter)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_students_who_applied_weigh_enough_to_suspend():
    listing = ListingFactory(published=True)
    applicants = [
        ApplicationFactory(listing=listing, student=EstablishedStudentFactory()).student
        for _ in range(2)
    ]
    first = report(listing, applicants[0], reason="asks_for_money")
    assert first.weight == (
        ReportWeight.STUDENT
        + ReportWeight.VERIFIED_EMAIL
        + ReportWeight.ESTABLISHED_ACCOUNT
        + ReportWeight.APPLICANT
    )
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED  # No single report suspends.
    report(listing, applicants[1], reason="asks_for_money")
    listing.refresh_from_db()
    assert listing.status == S.SUSPENDED
    event = listing.events.first()
    assert event.actor is None and event.reason == "reports"


def test_the_weight_of_an_account_grows_with_its_age():
    listing = ListingFactory(published=True)
    student = StudentFactory(date_joined=timezone.now() - ReportWeight.ESTABLISHED_AFTER)
    assert report(listing, student).weight == 4


def suspended_by_reports(listing):
    for reporter in EstablishedStudentFactory.create_batch(3):
        report(listing, reporter)
    listing.refresh_from_db()
    assert listing.status == S.SUSPENDED
    return listing


def test_reinstating_resolves_the_open_reports(staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    listing.reinstate(by=staff, note="Checked with the organization.")

    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert not listing.reports.filter(status=ListingReport.Status.OPEN).exists()
    assert set(listing.reports.values_list("status", "resolved_by")) == {
        (ListingReport.Status.DISMISSED, staff.pk)
    }
    event = listing.events.first()
    assert event.actor == staff
    assert "3 open reports dismissed" in event.note

    report(listing, EstablishedStudentFactory())
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_reinstating_from_the_staff_site_resolves_the_open_reports(login, staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    url = reverse("admin:listings_listing_changelist") + "?status=all"
    login(staff).post(
        url,
        {"action": "reinstate", "_selected_action": [listing.pk], "index": "0", "apply": "1"},
    )
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert not listing.reports.filter(status=ListingReport.Status.OPEN).exists()
    report(listing, EstablishedStudentFactory())
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_an_automatic_suspension_tells_staff_and_the_organization(staff, login):
    organization = OrganizationFactory(verified=True, name="Northwind Labs")
    owner = EmployerFactory(membership__organization=organization)
    member = EmployerFactory(
        membership__organization=organization, membership__role=Membership.Role.MEMBER
    )
    requested = EmployerFactory(
        membership__organization=organization, membership__status=Membership.Status.REQUESTED
    )
    bystander = EmployerFactory()
    listing = ListingFactory(published=True, organization=organization, title="Data clean-up")

    suspended_by_reports(listing)

    to_staff = Notification.objects.get(kind="listings.suspended_by_reports_staff")
    assert (to_staff.recipient, to_staff.to_email) == (staff, staff.email)
    assert "Data clean-up" in to_staff.subject and "Northwind Labs" in to_staff.subject
    assert "Looks like a scam" in to_staff.body_text
    assert to_staff.link == reverse("admin:listings_listing_change", args=[listing.pk])

    to_organization = Notification.objects.filter(kind="listings.suspended_by_reports")
    assert {n.recipient for n in to_organization} == {owner, member}
    for notification in to_organization:
        assert "hidden from students" in notification.body_text
        assert notification.link == employer_change_url(listing)
    notified = set(Notification.objects.values_list("recipient", flat=True))
    assert requested.pk not in notified and bystander.pk not in notified

    # In-app too: each sees it among their notifications.
    for person in (staff, owner):
        page = login(person).get(reverse("notifications:list")).content.decode()
        assert "Data clean-up" in page


def test_a_suspension_by_staff_notifies_nobody_as_automatic(staff):
    listing = ListingFactory(published=True)
    listing.suspend(by=staff, reason="other", note="Looking into it.")
    assert not Notification.objects.filter(kind__startswith="listings.suspended").exists()


# --- Upholding and dismissing, at model level ------------------------------------------------


def test_upholding_removes_a_suspended_listing_and_decides_its_other_reports(staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    first = listing.reports.first()
    first.uphold(by=staff)
    listing.refresh_from_db()
    assert listing.status == S.REMOVED
    assert listing.events.first().actor == staff
    assert set(listing.reports.values_list("status", flat=True)) == {"upheld"}


def test_upholding_leaves_a_published_listing_up(staff):
    listing = ListingFactory(published=True)
    single = report(listing, StudentFactory())
    single.uphold(by=staff)
    listing.refresh_from_db()
    assert (single.status, listing.status) == ("upheld", S.PUBLISHED)


def test_dismissing_the_last_report_reinstates_an_automatic_suspension(staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    reports = list(listing.reports.all())
    for single in reports[:2]:
        single.dismiss(by=staff)
    listing.refresh_from_db()
    assert listing.status == S.SUSPENDED
    reports[2].dismiss(by=staff)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_dismissing_never_undoes_a_suspension_by_staff(staff):
    listing = ListingFactory(published=True)
    single = report(listing, StudentFactory())
    listing.suspend(by=staff, reason="other", note="Looking into it.")
    single.dismiss(by=staff)
    listing.refresh_from_db()
    assert listing.status == S.SUSPENDED


def test_a_report_is_decided_once(staff):
    single = report(ListingFactory(published=True), StudentFactory())
    single.dismiss(by=staff)
    with pytest.raises(ValidationError, match="already resolved"):
        ListingReport.objects.get(pk=single.pk).uphold(by=staff)


def test_upholding_several_reports_of_one_listing_reports_it_once(login, staff):
    listing = suspended_by_reports(ListingFactory(published=True, title="Reported project"))
    response = login(staff).post(
        REPORTS + "?status=open",
        {
            "action": "uphold",
            "_selected_action": list(listing.reports.values_list("pk", flat=True)),
            "index": "0",
        },
    )
    messages = messages_of(response)
    assert "3 reports upheld." in messages
    assert messages.count("“Reported project” was removed.") == 1
    assert not any("already resolved" in m for m in messages)
    assert ListingEvent.objects.filter(listing=listing, to_status=S.REMOVED).count() == 1


def resolutions(listing):
    """(report's reporter, from, to, who) of every resolution recorded on a listing's reports."""
    return sorted(
        (event.report.reporter_id, event.from_status, event.to_status, event.actor_id)
        for event in ListingReportEvent.objects.filter(report__listing=listing)
    )


def test_dismissing_a_report_records_who_dismissed_it(staff):
    single = report(ListingFactory(published=True), StudentFactory())
    single.dismiss(by=staff)
    event = single.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("open", "dismissed", staff)
    single.refresh_from_db()
    assert single.resolved_by == staff
    assert single.resolved_at <= event.created_at


def test_upholding_records_every_report_it_decides(staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    first, *others = listing.reports.order_by("pk")
    first.uphold(by=staff)
    assert resolutions(listing) == sorted(
        (r.reporter_id, "open", "upheld", staff.pk) for r in [first, *others]
    )
    assert {e.note for e in ListingReportEvent.objects.exclude(report=first)} == {
        "Upheld with another report."
    }


def test_reinstating_records_each_report_it_dismisses(staff):
    listing = suspended_by_reports(ListingFactory(published=True))
    listing.reinstate(by=staff)
    assert resolutions(listing) == sorted(
        (r.reporter_id, "open", "dismissed", staff.pk) for r in listing.reports.all()
    )


def test_a_refused_resolution_leaves_no_record(staff):
    single = report(ListingFactory(published=True), StudentFactory())
    single.uphold(by=staff)
    with pytest.raises(ValidationError, match="already resolved"):
        ListingReport.objects.get(pk=single.pk).dismiss(by=staff)
    assert single.events.count() == 1


def test_the_report_page_shows_who_resolved_it(login, staff):
    single = report(ListingFactory(published=True), StudentFactory())
    single.dismiss(by=staff)
    page = login(staff).get(reverse("admin:listings_listingreport_change", args=[single.pk]))
    assert page.status_code == 200
    history = page.content.decode()
    assert str(staff) in history
    assert "Dismissed" in history


def test_weights_are_named_and_no_single_report_suspends():
    heaviest = (
        ReportWeight.STUDENT
        + ReportWeight.VERIFIED_EMAIL
        + ReportWeight.ESTABLISHED_ACCOUNT
        + ReportWeight.APPLICANT
    )
    assert heaviest < ReportWeight.SUSPEND_AT
    assert 3 * (ReportWeight.STUDENT + ReportWeight.VERIFIED_EMAIL) < ReportWeight.SUSPEND_AT
    assert ReportWeight.ESTABLISHED_AFTER >= timedelta(days=7)
