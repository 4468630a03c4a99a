from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from listings.models import Listing, ListingEvent, ListingReport
from listings.risk import assess, score
from listings.tasks import close_past_deadline
from tests.factories import (
    EstablishedStudentFactory,
    ListingFactory,
    OrganizationFactory,
    SkillFactory,
)

S = Listing.Status
pytestmark = pytest.mark.django_db

# Every transition method, the states it accepts and where it leads: the declaration.
TRANSITIONS = Listing.TRANSITIONS
KWARGS = {
    "request_changes": {"reason": "missing_information", "note": "Add the deliverables."},
    "reject": {"reason": "not_a_project", "note": "This is a full-time job."},
    "cancel": {"note": "Budget cut."},
    "resubmit_after_edit": {"changed": ["title"]},
    "revise_in_review": {"changed": ["title"]},
}


@pytest.mark.parametrize(
    ("method", "from_status"),
    [(m, s) for m, transition in TRANSITIONS.items() for s in sorted(transition.source)],
)
def test_allowed_transition_changes_status_and_writes_event(method, from_status, staff):
    listing = ListingFactory(status=from_status)
    getattr(listing, method)(by=staff, **KWARGS.get(method, {}))
    listing.refresh_from_db()
    assert listing.status == TRANSITIONS[method].target
    event = listing.events.get()
    assert (event.from_status, event.to_status, event.actor) == (
        from_status,
        TRANSITIONS[method].target,
        staff,
    )


@pytest.mark.parametrize(
    ("method", "from_status"),
    [(m, s) for m, transition in TRANSITIONS.items() for s in sorted(set(S) - transition.source)],
)
def test_forbidden_transition_raises_and_changes_nothing(method, from_status, staff):
    listing = ListingFactory(status=from_status)
    with pytest.raises(ValidationError) as error:
        getattr(listing, method)(by=staff, **KWARGS.get(method, {}))
    assert listing.title in " ".join(error.value.messages)
    listing.refresh_from_db()
    assert listing.status == from_status
    assert not ListingEvent.objects.exists()


def test_what_can_happen_next_follows_the_declaration():
    assert Listing.transitions_from(S.DRAFT) == ["submit", "cancel"]
    assert ListingFactory(status=S.SUSPENDED).allowed_transitions() == ["reinstate", "remove"]
    assert Listing.transitions_from(S.REMOVED) == []


def test_approve_needs_a_verified_organization(staff):
    listing = ListingFactory(submitted=True, organization=OrganizationFactory())
    with pytest.raises(ValidationError, match="not verified"):
        listing.approve(by=staff)
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED


def test_approve_stores_the_approved_version_and_edits_show_a_diff(staff, employer):
    listing = ListingFactory(submitted=True, fee=Decimal("500"))
    listing.approve(by=staff)
    assert listing.changes_since_approval() == []
    listing.fee = Decimal("400")
    listing.save()
    listing.resubmit_after_edit(by=employer, changed=["fee"])
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    diff = listing.changes_since_approval()
    assert diff == [{"field": "fee", "label": "Fee", "before": "500.00", "after": "400.00"}]
    assert "fee" in listing.events.first().note


def test_cancel_requires_a_reason(employer):
    listing = ListingFactory(published=True)
    with pytest.raises(ValidationError, match="why"):
        listing.cancel(by=employer, note="  ")
    assert Listing.objects.get(pk=listing.pk).status == S.PUBLISHED


# --- Pay floor --------------------------------------------------------------------------


def test_hourly_rate_is_derived_on_save():
    listing = ListingFactory(fee=Decimal("250"), estimated_hours=8)
    assert listing.hourly_rate == Decimal("31.25")
    assert Listing.objects.filter(hourly_rate=Decimal("31.25")).exists()


def test_unpaid_listing_cannot_be_submitted(employer):
    listing = ListingFactory(fee=Decimal("0"))
    with pytest.raises(ValidationError) as error:
        listing.submit(by=employer)
    assert "paid" in error.value.message_dict["fee"][0]
    assert Listing.objects.get(pk=listing.pk).status == S.DRAFT


def test_below_floor_needs_a_justification(employer, settings):
    settings.MIN_HOURLY_RATE = 20
    listing = ListingFactory(fee=Decimal("150"), estimated_hours=10)  # 15 an hour
    with pytest.raises(ValidationError) as error:
        listing.submit(by=employer)
    assert "below" in error.value.message_dict["pay_justification"][0]
    listing.pay_justification = "Non-profit; includes a reference letter and mentoring."
    listing.submit(by=employer)
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED
    assert "below_pay_floor" in [s["code"] for s in listing.risk_signals]


def test_past_deadline_cannot_be_submitted(employer):
    listing = ListingFactory()
    with time_machine.travel(listing.application_deadline + timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            listing.submit(by=employer)
    assert "deadline" in error.value.message_dict["application_deadline"][0]


# --- Risk signals -------------------------------------------------------------------------


def codes(listing):
    return [s.code for s in assess(listing)]


def test_clean_listing_from_verified_org_has_no_signals():
    listing = ListingFactory(
        organization=OrganizationFactory(
            verified=True, email_domain="acme.example", website="https://acme.example"
        ),
        contact_email="jobs@acme.example",
    )
    assert codes(listing) == []


@pytest.mark.parametrize(
    "text",
    [
        "You must pay an upfront training fee of $50.",
        "We will send you a check; deposit the check and forward the rest.",
        "Buy gift cards for the client.",
        "Paid in crypto (USDT).",
        "Send us your bank account and SSN for payroll.",
    ],
)
def test_money_wording_is_flagged(text):
    listing = ListingFactory(description=text)
    assert "asks_for_money" in codes(listing)


def test_messaging_apps_webmail_mismatch_pay_and_unverified_are_flagged(settings):
    settings.IMPLAUSIBLE_HOURLY_RATE = 150
    org = OrganizationFactory(website="https://acme.example", email_domain="")
    listing = ListingFactory(
        organization=org,
        description="Contact the manager on WhatsApp.",
        contact_email="recruiter@gmail.com",
        fee=Decimal("2000"),
        estimated_hours=5,
    )
    found = codes(listing)
    assert {
        "off_platform_messaging",
        "free_webmail",
        "implausible_pay",
        "unverified_organization",
    } <= set(found)
    other = ListingFactory(
        organization=OrganizationFactory(verified=True, website="https://acme.example"),
        contact_email="hr@other-company.example",
    )
    assert "domain_mismatch" in codes(other)


def test_riskier_listing_scores_higher_and_leads_the_queue(employer):
    calm = ListingFactory()
    calm.submit(by=employer)
    scam = ListingFactory(description="Pay a registration fee, then talk on Telegram.")
    scam.submit(by=employer)
    assert score(assess(scam)) > score(assess(calm))
    assert list(Listing.objects.awaiting_moderation()) == [scam, calm]


# --- Reports ----------------------------------------------------------------------------------


def test_weighty_reports_from_different_students_suspend_the_listing():
    listing = ListingFactory(published=True)
    first = EstablishedStudentFactory()
    ListingReport.file(listing=listing, reporter=first, reason="scam")
    ListingReport.file(listing=listing, reporter=first, reason="scam")  # same person twice
    ListingReport.file(listing=listing, reporter=EstablishedStudentFactory(), reason="unpaid")
    assert Listing.objects.get(pk=listing.pk).status == S.PUBLISHED
    ListingReport.file(
        listing=listing, reporter=EstablishedStudentFactory(), reason="asks_for_money"
    )
    listing.refresh_from_db()
    assert listing.status == S.SUSPENDED
    event = listing.events.get()
    assert event.actor is None and event.reason == "reports"
    assert ListingReport.objects.filter(listing=listing).count() == 3


# --- Queries, derived fields, constraints -------------------------------------------------


def test_open_excludes_past_deadline_and_suspended_organizations():
    live = ListingFactory(published=True)
    ListingFactory(published=True, organization=OrganizationFactory(suspended=True))
    ListingFactory(status=S.SUBMITTED)
    past = ListingFactory(published=True)
    Listing.objects.filter(pk=past.pk).update(
        application_deadline=timezone.localdate() - timedelta(days=1)
    )
    assert list(Listing.objects.open()) == [live]


def test_public_is_what_a_visitor_may_open_whatever_its_deadline():
    suspended = OrganizationFactory(suspended=True)
    public = [
        ListingFactory(published=True),
        ListingFactory(closed=True),
        ListingFactory(status=S.COMPLETED),
        ListingFactory(published=True, application_deadline=timezone.localdate()),
    ]
    for status in ["published", "closed", "completed"]:
        ListingFactory(status=status, organization=suspended)
    for status in set(S.values) - {"published", "closed", "completed"}:
        ListingFactory(status=status)
    assert set(Listing.objects.public()) == set(public)
    assert set(Listing.objects.visible_to(None)) == set(public)


def test_deadline_task_closes_with_an_automatic_event():
    listing = ListingFactory(published=True)
    with time_machine.travel(listing.application_deadline + timedelta(days=1)):
        assert close_past_deadline() == 1
        assert close_past_deadline() == 0
    listing.refresh_from_db()
    assert listing.status == S.CLOSED and listing.closed_at is not None
    assert listing.events.get().actor is None


def test_description_is_rendered_and_sanitized():
    listing = ListingFactory(
        description="**Bold** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    )
    html = listing.description_html
    assert "<strong>Bold</strong>" in html
    # Raw HTML is shown as text, never as markup; unsafe link schemes are not linked.
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_search_vector_weights_title_above_description():
    SkillFactory(name="Figma")
    title_hit = ListingFactory(published=True, title="Newsletter redesign")
    body_hit = ListingFactory(published=True, description="Part of the work is a newsletter.")
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F

    query = SearchQuery("newsletter", config="english")
    ranked = list(
        Listing.objects.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank")
    )
    assert ranked == [title_hit, body_hit]


@pytest.mark.parametrize(
    "changes",
    [
        {"fee": Decimal("-1")},
        {"estimated_hours": 0},
        {"openings": 0},
        {"status": "bogus"},
        {"location_type": "moon"},
    ],
)
def test_database_constraints(changes):
    listing = ListingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(**changes)


def test_deadline_after_due_date_is_refused_by_the_database():
    listing = ListingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(
            due_date=listing.application_deadline - timedelta(days=1)
        )
